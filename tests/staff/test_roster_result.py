"""What HR sees after applying a roster import (from what was recorded when it was applied,
never a new plan), the new locations flagged before applying, and inviting the people an
import created."""

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jobs.models import OutgoingEmail
from staff.models import Location, RosterChange, RosterImport, Staff
from staff.services import roster_import_apply
from tests.conftest import make_user
from tests.helpers import login_verified, run_tasks

from .test_roster_import import HEADER

MAPLE = "Maple Street Elementary School"


@pytest.fixture
def hr(db):
    user = make_user("hr@district.example", first_name="Harriet", last_name="Ramos")
    user.groups.add(Group.objects.get(name="HR administrators"))
    return user


@pytest.fixture
def hr_client(hr):
    client = Client()
    login_verified(client, hr)
    return client


@pytest.fixture
def roster(db):
    """Three people HR imported before: two at Maple Street, one at Riverside."""
    maple = Location.objects.create(name=MAPLE)
    riverside = Location.objects.create(name="Riverside High School")
    for employee_id, first, last, location in [
        ("E1", "Ann", "Lee", maple),
        ("E2", "Seán", "D'Amico", maple),
        ("E3", "Bo", "Ray", riverside),
    ]:
        Staff.objects.create(
            employee_id=employee_id,
            first_name=first,
            last_name=last,
            email=f"{employee_id.lower()}@district.example",
            location=location,
            job_title="Teacher",
            hire_date=date(2015, 9, 1),
        )


# E1 unchanged; E2 changes job title and school; E3 is absent (marked inactive); two new
# people, one at a school spelled differently from an existing one, one at a new school.
FILE = HEADER + (
    f"E1,Ann,Lee,e1@district.example,{MAPLE},Teacher,2015-09-01,yes\n"
    "E2,Seán,D'Amico,e2@district.example,Riverside High School,School Counselor,2015-09-01,yes\n"
    "E4,Zoë,O'Brien-Núñez,zoe@district.example,Maple St Elementary School,Teacher,2026-08-20,yes\n"
    "E5,An,Nguyễn,an@district.example,Oak Hill Middle School,Paraprofessional,2026-08-21,yes\n"
)


def upload(client, text, **flags):
    data = {"file": SimpleUploadedFile("roster.csv", text.encode("utf-8"), "text/csv")}
    data.update({k: "on" for k, v in flags.items() if v})
    response = client.post("/admin/roster/import/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def test_the_preview_flags_new_locations_and_one_that_looks_like_a_typo(hr_client, roster):
    url = upload(hr_client, FILE, deactivate_missing=True)
    html = hr_client.get(url).content.decode()
    assert "2 new locations will be created" in html
    assert "Maple St Elementary School</strong> — looks like the existing “Maple Street " in html
    assert "Oak Hill Middle School" in html
    assert Location.objects.count() == 2  # nothing written yet


def test_applying_records_who_was_created_updated_and_marked_inactive(hr, roster):
    upload_row = RosterImport.objects.create(
        filename="roster.csv", content=FILE, uploaded_by=hr, deactivate_missing=True
    )
    applied, now = roster_import_apply(roster_import_id=upload_row.pk, by=hr)
    assert now and applied.applied_by == hr and applied.applied_at is not None
    assert applied.summary | {"rejected_rows": []} == {
        "new": 2,
        "updated": 1,
        "unchanged": 1,
        "deactivated": 1,
        "rejected": 0,
        "new_locations": ["Maple St Elementary School", "Oak Hill Middle School"],
        "rejected_rows": [],
    }
    changes = {
        (c.action, c.employee_id, c.full_name, c.location_name): c.changes
        for c in RosterChange.objects.filter(roster_import=applied)
    }
    assert changes == {
        ("created", "E4", "Zoë O'Brien-Núñez", "Maple St Elementary School"): [],
        ("created", "E5", "An Nguyễn", "Oak Hill Middle School"): [],
        ("updated", "E2", "Seán D'Amico", "Riverside High School"): [
            {"field": "location", "old": MAPLE, "new": "Riverside High School"},
            {"field": "job_title", "old": "Teacher", "new": "School Counselor"},
        ],
        ("deactivated", "E3", "Bo Ray", "Riverside High School"): [],
    }
    assert not Staff.objects.get(employee_id="E3").is_active


def test_the_applied_import_says_what_it_did_not_what_a_new_plan_would(hr_client, roster):
    url = upload(hr_client, FILE, deactivate_missing=True)
    applied = hr_client.post(url, follow=True)
    html = applied.content.decode()
    assert "Roster imported" in html and "Roster preview" not in html
    assert "<strong>2</strong> created" in html
    assert "<strong>1</strong> updated" in html
    assert "<strong>1</strong> marked inactive" in html
    assert "2 new locations created" in html
    assert "Zoë O&#x27;Brien-Núñez" in html and "E5" in html
    assert "location: Maple Street Elementary School → Riverside High School" in html
    assert "job title: Teacher → School Counselor" in html
    assert "Applied " in html and "by Harriet Ramos" in html
    # Opening it later still shows what was done, though the database now matches the file.
    again = hr_client.get(url).content.decode()
    assert "<strong>2</strong> created" in again and "Apply this import" not in again


def test_applying_twice_imports_once_and_records_once(hr_client, roster):
    url = upload(hr_client, FILE)
    first = hr_client.post(url, follow=True)
    assert b"Roster imported." in first.content
    second = hr_client.post(url, follow=True)
    assert second.status_code == 200
    assert Staff.objects.count() == 5
    assert RosterChange.objects.filter(action="created").count() == 2
    assert b"Roster imported." not in second.content  # the second click reports nothing new


def test_skipped_rows_are_listed_on_the_result_page(hr_client, roster):
    text = FILE + "E6,Cy,Doe,not-an-address,Riverside High School,Teacher,2020-01-01,yes\n"
    url = upload(hr_client, text, skip_invalid=True)
    html = hr_client.post(url, follow=True).content.decode()
    assert "<strong>1</strong> rejected rows left out" in html
    assert "&quot;not-an-address&quot; is not a valid e-mail address" in html
    assert not Staff.objects.filter(employee_id="E6").exists()


def test_recent_imports_show_dates_and_times_in_the_district_time_zone(hr_client, hr):
    row = RosterImport.objects.create(filename="late.csv", content=HEADER, uploaded_by=hr)
    # 02:30 UTC on Dec 14 is 9:30 p.m. on Dec 13 in New York.
    RosterImport.objects.filter(pk=row.pk).update(
        uploaded_at=datetime(2026, 12, 14, 2, 30, tzinfo=UTC)
    )
    html = hr_client.get("/admin/roster/import/").content.decode()
    assert "Dec 13, 2026, 9:30 PM" in html
    assert "Harriet Ramos" in html and "not applied" in html


def test_invite_these_new_people_invites_those_the_import_created(hr_client, roster):
    # E2 is updated (not new) and has no login yet; only E4 and E5 were created by this import.
    url = upload(hr_client, FILE)
    html = hr_client.post(url, follow=True).content.decode()
    assert "Invite these 2 new people" in html
    invited = hr_client.post(f"{url}invite/")
    page = invited.content.decode()
    assert invited.status_code == 200
    assert "2 invitations queued" in page
    assert "Zoë O&#x27;Brien-Núñez" in page and "An Nguyễn" in page
    assert "D&#x27;Amico" not in page
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == ["an@district.example", "zoe@district.example"]
    assert "Harriet Ramos" in mail.outbox[0].body
    # A second click invites nobody twice, and says why.
    again = hr_client.post(f"{url}invite/").content.decode()
    assert "0 invitations queued" in again and "2 people not invited" in again
    assert "already invited on" in again
    assert OutgoingEmail.objects.filter(kind="invitation").count() == 2
    assert "Nobody created by this import is waiting" in hr_client.get(url).content.decode()


def test_the_invite_button_names_who_was_skipped_and_why(hr_client, roster):
    text = FILE.replace("Paraprofessional,2026-08-21,yes", "Paraprofessional,2026-08-21,no")
    url = upload(hr_client, text)
    html = hr_client.post(url, follow=True).content.decode()
    assert "Invite this 1 new person" in html
    page = hr_client.post(f"{url}invite/").content.decode()
    assert "1 invitation queued" in page and "1 person not invited" in page
    assert "inactive on the roster" in page


def test_an_import_not_applied_yet_cannot_invite(hr_client, roster):
    url = upload(hr_client, FILE)
    assert hr_client.post(f"{url}invite/").status_code == 404
    assert not OutgoingEmail.objects.exists()


def test_the_result_page_reads_the_same_number_of_queries_for_2_or_40_people(hr_client, roster):
    def queries_for(rows: int) -> int:
        text = HEADER + "".join(
            f"N{rows}-{n},P{n},Q{n},p{rows}.{n}@district.example,{MAPLE},Teacher,2020-01-01,yes\n"
            for n in range(rows)
        )
        url = upload(hr_client, text)
        hr_client.post(url)
        with CaptureQueriesContext(connection) as queries:
            assert hr_client.get(url).status_code == 200
        return len(queries)

    assert queries_for(2) == queries_for(40)


def test_only_those_allowed_reach_the_result_and_the_invitations(client, hr, roster):
    row = RosterImport.objects.create(filename="r.csv", content=FILE, uploaded_by=hr)
    roster_import_apply(roster_import_id=row.pk, by=hr)
    url = f"/admin/roster/import/{row.pk}/"
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    assert client.post(f"{url}invite/").status_code == 302
    principal = make_user("principal@district.example")
    principal.groups.add(Group.objects.get(name="Location administrators"))
    login_verified(client, principal)
    # Wagtail turns "permission denied" into a redirect to the admin home with a message.
    assert client.get(url)["Location"] == "/admin/"
    assert client.post(f"{url}invite/")["Location"] == "/admin/"
    assert not OutgoingEmail.objects.exists()


def test_the_command_names_the_new_locations_too(roster, tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "roster.csv"
    path.write_text(FILE, encoding="utf-8")
    call_command("import_roster", path, dry_run=True)
    out = capsys.readouterr().out
    assert (
        "2 new location(s) will be created: Maple St Elementary School (looks like "
        '"Maple Street Elementary School"), Oak Hill Middle School.'
    ) in out
    assert Location.objects.count() == 2
