"""The demo district administrator (not a superuser) drills down from the dashboard into the
staff report: a location, a job title, a status and a bar of the chart. The demo HR
administrator extends a due date with a reason from a person's record, exempts someone, and
sees both in the report and the dashboard."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from staff.models import AssignmentAdjustment

from .conftest import serious_axe_violations
from .test_admin_menus_e2e import sign_in
from .test_principal_reports_e2e import screenshot


def shown_employees(page) -> set[str]:
    return set(re.findall(r"D-\d{4}", page.locator("table.listing tbody").inner_text()))


def test_the_district_administrator_drills_down_from_the_dashboard(page, live_server, demo_site):  # noqa: F811
    sign_in(page, live_server, "district administrator")
    page.get_by_role("link", name="Training completion").click()
    expect(page.get_by_role("heading", name="Completion by location")).to_be_visible()
    screenshot(page, "district-dashboard")
    dashboard = page.url

    page.get_by_role("table", name="Completion by location").get_by_role(
        "link", name="Riverside High School", exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"/admin/completion/staff/\?cycle=\d+&location=\d+$"))
    expect(page.get_by_text("Location: Riverside High School")).to_be_visible()  # the filter pill
    assert shown_employees(page) == {"D-2001", "D-2002"}
    screenshot(page, "district-drilldown-location")

    page.goto(dashboard)
    page.get_by_role("table", name="Completion by job title").get_by_role(
        "link", name="Paraprofessional", exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"job_title=Paraprofessional"))
    assert shown_employees(page) == {"D-1002"}

    page.goto(dashboard)
    # María's refresher was extended; Jamal is a new hire; everyone else is overdue.
    page.get_by_role("link", name=re.compile(r"^4 overdue: show them")).click()
    expect(page).to_have_url(re.compile(r"status=overdue"))
    assert shown_employees(page) == {"D-1003", "D-1004", "D-2001", "D-2002"}

    page.goto(dashboard)
    page.get_by_role("link", name=re.compile(r"^2 Riverside High School, overdue")).click()
    assert shown_employees(page) == {"D-2001", "D-2002"}

    page.goto(dashboard)
    page.locator("svg.completion-chart a", has_text="Maple Street Elementary School").click()
    expect(page).to_have_url(re.compile(r"location=\d+"))
    assert shown_employees(page) == {"D-1001", "D-1002", "D-1003", "D-1004"}


def test_hr_extends_a_due_date_and_exempts_someone_from_the_person_record(
    page,
    live_server,
    demo_site,  # noqa: F811
):
    new_due = timezone.localdate() + timedelta(days=40)
    new_due_text = f"{new_due:%b} {new_due.day}, {new_due.year}"
    adjustments_before = AssignmentAdjustment.objects.count()  # the demo extension
    sign_in(page, live_server, "HR")
    page.goto(f"{live_server.url}/admin/completion/staff/")
    page.get_by_role("link", name="Lefèvre-Smith, Zoë").click()
    expect(page.get_by_role("heading", name=re.compile("Zoë Lefèvre-Smith"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Overdue: \d+ days"))).to_be_visible()

    # The forms are folded away; open them by keyboard.
    page.locator("summary", has_text="Extend the due date or exempt from").focus()
    page.keyboard.press("Enter")
    extend = page.locator("form", has=page.get_by_role("button", name="Extend the due date"))
    extend.get_by_role("button", name="Extend the due date").click()  # no date, no reason
    expect(page.get_by_text("Give the new due date.")).to_be_visible()
    expect(page.get_by_text("Give a reason: it is kept with the record.").first).to_be_visible()
    screenshot(page, "hr-person-record-errors")
    assert serious_axe_violations(page) == []  # the page as sent back, messages included
    assert AssignmentAdjustment.objects.count() == adjustments_before

    extend = page.locator("form", has=page.get_by_role("button", name="Extend the due date"))
    extend.get_by_label("New due date").fill(new_due.isoformat())
    extend.get_by_label("Reason").fill("Surgery in November; back at school in December")
    extend.get_by_role("button", name="Extend the due date").click()
    expect(page.get_by_text(f"extended to {new_due_text}.")).to_be_visible()
    expect(page.get_by_role("cell", name=f"Extended to {new_due_text}")).to_be_visible()
    expect(page.get_by_role("cell", name="Harriet Ramos")).to_be_visible()
    screenshot(page, "hr-person-record-extended")

    # The report finds her without the accent, with the new date and the reason.
    page.goto(f"{live_server.url}/admin/completion/staff/?q=Lefevre")
    row = page.get_by_role("row", name=re.compile("Lefèvre-Smith, Zoë"))
    expect(row).to_contain_text(f"Extended to {new_due_text}")
    expect(row).to_contain_text("Reason: Surgery in November")
    expect(row).not_to_contain_text("Overdue")
    screenshot(page, "hr-report-extended")

    # Sean goes on long-term leave: exempt from the cycle.
    page.goto(f"{live_server.url}/admin/completion/staff/?q=Amico")
    page.get_by_role("link", name="D'Amico, Sean").click()
    page.locator("summary", has_text="Extend the due date or exempt from").click()
    exempt = page.locator("form", has=page.get_by_role("button", name="Exempt", exact=True))
    exempt.get_by_label("Reason").fill("Long-term leave for the whole school year")
    exempt.get_by_role("button", name="Exempt", exact=True).click()
    expect(page.get_by_text("Sean D'Amico is exempt from")).to_be_visible()

    page.goto(f"{live_server.url}/admin/completion/")
    summary = page.get_by_label("Overall completion")
    expect(summary).to_contain_text("Exempt: 1")
    expect(summary).to_contain_text("(0 of 5 expected)")  # six demo staff, one exempt
    expect(summary).to_contain_text("Exempt staff are left out of the completion rate")
    screenshot(page, "hr-dashboard-exempt")
    page.get_by_role("link", name=re.compile(r"^1 exempt: show them")).click()
    row = page.get_by_role("row", name=re.compile("D'Amico, Sean"))
    expect(row).to_contain_text("Reason: Long-term leave")
    assert AssignmentAdjustment.objects.count() == adjustments_before + 2


def test_the_readmes_dashboard_and_report_as_the_district_administrator_sees_them(
    page,
    live_server,
    demo_site,  # noqa: F811
):
    """The two pictures in README.md (`make screenshots` writes them into docs/)."""
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "district administrator")
    page.get_by_role("link", name="Training completion").click()
    expect(page.get_by_role("heading", name="Completion by location")).to_be_visible()
    expect(page.locator("svg.completion-chart")).to_contain_text("Maple Street Elementary School")
    screenshot(page, "admin-dashboard")
    page.get_by_role("link", name=re.compile(r"^\d+ overdue: show them")).click()
    expect(page.get_by_role("row", name=re.compile("O'Brien, Siobhán"))).to_contain_text(
        re.compile(r"Overdue: \d+ days")
    )
    screenshot(page, "admin-staff-report")
