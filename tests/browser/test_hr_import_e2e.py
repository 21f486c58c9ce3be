"""HR's year in the admin, in chromium, as the demo HR account (not a superuser): upload a
roster with bad rows, read what is rejected and which locations would be new, import the valid
rows, read what the import did, invite the new people, then open next year's cycle through its
preview. Set SCREENSHOT_DIR to keep a screenshot of each page."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jobs.models import OutgoingEmail
from staff.cycle_admin import school_year_of
from staff.models import Assignment, Location, RosterChange, Staff, TrainingCycle

from .conftest import serious_axe_violations, tab_to
from .test_admin_menus_e2e import sign_in

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str):
    if SCREENSHOTS:
        page.wait_for_load_state("networkidle")
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def demo_site(live_course):
    from eupsite.demo import demo_accounts_ensure, demo_staff_ensure

    demo_accounts_ensure()
    demo_staff_ensure()


def roster_file() -> bytes:
    """HR's export as it comes (BOM, semicolons, columns in their own order): María unchanged,
    Jamal now a teacher, Zoë moved to a new school, three new people (one at a school spelled
    differently from Maple Street, one inactive) and two bad rows."""
    today = timezone.localdate()
    maria, jamal, zoe = (
        Staff.objects.get(employee_id=employee_id) for employee_id in ("D-1001", "D-1002", "D-2001")
    )
    rows = [
        "\ufeffemail;last_name;first_name;employee_id;location;hire_date;job_title;active",
        f"learner@example.org;O'Neil-Núñez;María;D-1001;Maple Street Elementary School;"
        f"{maria.hire_date};Teacher;yes",
        f"jamal.carter@example.org;Carter;Jamal;D-1002;Maple Street Elementary School;"
        f"{jamal.hire_date};Teacher;yes",
        f"zoe.lefevre@example.org;Lefèvre-Smith;Zoë;D-2001;Oak Hill Middle School;"
        f"{zoe.hire_date};Teacher;yes",
        f"aoife.obrien@example.org;O'Brien-Núñez;Aoife;N-3001;Maple St Elementary School;"
        f"{today - timedelta(days=5)};Teacher;yes",
        f"an.nguyen@example.org;Nguyễn;An;N-3002;Riverside High School;"
        f"{today - timedelta(days=10)};Paraprofessional;yes",
        f"ana.ruiz@example.org;Ruiz;Ana;N-3003;Riverside High School;"
        f"{today - timedelta(days=2)};Custodian;no",
        "kim.lee@;Lee;Kim;N-3004;Riverside High School;2025-01-06;Teacher;yes",
        "raj.patel@example.org;Patel;Raj;N-3005;Riverside High School;2023-02-30;Teacher;yes",
    ]
    return ("\n".join(rows) + "\n").encode("utf-8")


def upload(page, data: bytes, *, import_valid_rows: bool):
    page.get_by_label("Roster file").set_input_files(
        files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": data}]
    )
    if import_valid_rows:
        page.get_by_label("Import the valid rows even if some rows are rejected").check()
    page.get_by_role("button", name="Preview the import").click()


def test_hr_imports_the_roster_invites_the_new_people_and_opens_next_year(
    page, live_server, demo_site
):
    sign_in(page, live_server, "HR")
    expect(page).to_have_url(f"{live_server.url}/admin/")
    data = roster_file()

    # 1. The file as HR sent it: two bad rows, so nothing can be applied yet.
    page.get_by_role("link", name="Import roster").click()
    upload(page, data, import_valid_rows=False)
    expect(page.get_by_role("heading", name="Roster preview")).to_be_visible()
    expect(page.get_by_text('"kim.lee@" is not a valid e-mail address')).to_be_visible()
    expect(page.get_by_text('"2023-02-30" is not a date')).to_be_visible()
    expect(page.get_by_role("heading", name="2 new locations will be created")).to_be_visible()
    expect(
        page.get_by_text("looks like the existing “Maple Street Elementary School”")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Apply this import")).to_have_count(0)
    shot(page, "1-preview-with-rejected-rows")

    # 2. Again, importing the valid rows.
    page.get_by_role("link", name="Upload a file").click()
    upload(page, data, import_valid_rows=True)
    expect(page.get_by_text("2 rejected rows will be left out")).to_be_visible()
    shot(page, "2-preview-valid-rows")
    page.get_by_role("button", name="Apply this import").click()

    # 3. What the import did, from its record.
    expect(page.get_by_role("heading", name="Roster imported")).to_be_visible()
    summary = page.locator(".roster-summary")
    expect(summary).to_contain_text("3 created")
    expect(summary).to_contain_text("2 updated")
    expect(summary).to_contain_text("1 unchanged")
    expect(summary).to_contain_text("2 rejected rows left out")
    expect(page.locator(".new-locations")).to_have_text(
        "Maple St Elementary SchoolOak Hill Middle School"
    )
    expect(page.get_by_text("job title: Paraprofessional → Teacher")).to_be_visible()
    expect(
        page.get_by_text("location: Riverside High School → Oak Hill Middle School")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="Aoife O'Brien-Núñez")).to_be_visible()
    expect(page.get_by_text("by Harriet Ramos")).to_be_visible()
    assert RosterChange.objects.filter(action="created").count() == 3
    assert set(Location.objects.values_list("name", flat=True)) >= {
        "Maple St Elementary School",
        "Oak Hill Middle School",
    }
    shot(page, "3-roster-imported")

    # 4. Invite the new people: Ana is inactive on the roster, so she is named as skipped.
    page.get_by_role("button", name="Invite these 2 new people").click()
    expect(page.get_by_role("heading", name="2 invitations queued")).to_be_visible()
    expect(page.get_by_role("cell", name="Aoife O'Brien-Núñez")).to_be_visible()
    expect(page.get_by_role("cell", name="An Nguyễn")).to_be_visible()
    expect(page.get_by_role("heading", name="1 person not invited")).to_be_visible()
    skipped = page.get_by_role("row", name="Ana Ruiz")
    expect(skipped).to_contain_text("inactive on the roster")
    assert serious_axe_violations(page) == []  # a page shown in answer to a POST
    assert sorted(OutgoingEmail.objects.filter(kind="invitation").values_list("to", flat=True)) == [
        "an.nguyen@example.org",
        "aoife.obrien@example.org",
    ]
    shot(page, "4-invitations")

    # 5. Open next school year's cycle, through its preview, with the keyboard.
    next_year = school_year_of(timezone.localdate()) + 1
    name = f"{next_year}-{next_year + 1}"
    active = Staff.objects.filter(is_active=True).count()
    page.goto(f"{live_server.url}/admin/snippets/staff/trainingcycle/")
    page.get_by_role("link", name="Open a new cycle").first.click()
    expect(page.get_by_label("School year")).to_have_value(str(next_year))
    shot(page, "5-open-a-cycle-year")
    page.get_by_role("button", name="Next: its dates").click()
    expect(page.get_by_role("heading", name=f"School year {name}")).to_be_visible()
    expect(page.get_by_label("Refresher due on")).to_have_value(f"{next_year}-10-01")
    shot(page, "6-open-a-cycle-dates")
    page.get_by_role("button", name="Preview who is assigned").click()
    expect(page.get_by_role("heading", name=f"{active} people will be assigned")).to_be_visible()
    expect(page.locator(".cycle-preview")).to_contain_text(
        f"{active} annual refresher, due Oct 1, {next_year}"
    )
    assert not TrainingCycle.objects.filter(name=name).exists()
    assert serious_axe_violations(page) == []
    shot(page, "7-open-a-cycle-preview")
    tab_to(page, f"Open {name} and assign {active} people")
    page.keyboard.press("Enter")

    expect(page.get_by_text(f"{name} is open: {active} assignments made.")).to_be_visible()
    expect(page.get_by_text(f"There are {active} matches")).to_be_visible()
    cycle = TrainingCycle.objects.get(name=name)
    assert Assignment.objects.filter(cycle=cycle).count() == active
    shot(page, "8-cycle-opened")


def test_hr_invites_selected_staff_and_reads_who_was_skipped_and_why(page, live_server, demo_site):
    from tests.conftest import make_user

    riverside = Location.objects.get(name="Riverside High School")
    newcomer = make_user("kai.obrien@example.org", first_name="Kai", last_name="O'Brien-Núñez")
    newcomer.set_unusable_password()
    newcomer.is_active = False
    newcomer.save()
    Staff.objects.create(
        employee_id="N-4001",
        first_name="Kai",
        last_name="O'Brien-Núñez",
        email=newcomer.email,
        location=riverside,
        hire_date=timezone.localdate(),
        user=newcomer,
    )

    sign_in(page, live_server, "HR")
    page.goto(f"{live_server.url}/admin/snippets/staff/staff/")
    page.get_by_role("checkbox", name="Select all").first.check()
    page.get_by_role("link", name="Send a set-your-password invitation to the selected").click()
    expect(page.get_by_role("heading", name="Send invitations")).to_be_visible()
    expect(page.locator(".will-be-invited")).to_contain_text("Kai O'Brien-Núñez (N-4001)")
    expect(page.locator(".will-be-skipped")).to_contain_text(
        "Sean D'Amico (D-2002): already set a password"
    )
    shot(page, "9-bulk-invite-confirm")
    page.get_by_role("button", name="Yes, send").click()
    expect(page.get_by_role("heading", name="1 invitation queued")).to_be_visible()
    # The demo staff: five have set a password, the custodian has no work e-mail.
    expect(page.get_by_role("heading", name="6 people not invited")).to_be_visible()
    expect(page.get_by_role("row", name="Tomás Ruiz-Peña")).to_contain_text("no work e-mail")
    expect(page.get_by_role("row", name="María O'Neil-Núñez")).to_contain_text(
        "already set a password"
    )
    assert serious_axe_violations(page) == []
    shot(page, "10-bulk-invite-result")
    page.get_by_role("link", name="Back to the staff list").click()
    expect(page).to_have_url(f"{live_server.url}/admin/snippets/staff/staff/")
    assert list(OutgoingEmail.objects.values_list("kind", "to")) == [
        ("invitation", "kai.obrien@example.org")
    ]
