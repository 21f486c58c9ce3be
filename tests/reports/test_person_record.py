"""The person record: HR and district administrators extend a due date or exempt someone from a
cycle with a reason; principals see the history but cannot grant; nothing is ever overwritten."""

import re
from datetime import date

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from staff.groups import DISTRICT, HR, LOCATION
from staff.models import Assignment, AssignmentAdjustment, LocationAccess, Staff
from tests.conftest import make_user
from tests.helpers import login_verified, make_course

from .conftest import TODAY


@pytest.fixture(autouse=True)
def _today(frozen_today):
    return frozen_today


def client_in(group, username="someone@district.example", **names):
    user = make_user(username, **names)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    login_verified(client, user)
    client.user = user
    return client


@pytest.fixture
def hr_client(db):
    return client_in(HR, "hr@district.example", first_name="Harriet", last_name="Ramos")


def text(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def person(employee_id):
    staff = Staff.objects.get(employee_id=employee_id)
    return staff, Assignment.objects.get(staff=staff)


def extend_url(staff, assignment):
    return f"/admin/completion/person/{staff.pk}/assignments/{assignment.pk}/extend/"


def exempt_url(staff, assignment):
    return f"/admin/completion/person/{staff.pk}/assignments/{assignment.pk}/exempt/"


def test_hr_extends_a_due_date_with_a_reason_and_sees_it_in_the_history(hr_client, district):
    staff, assignment = person("E003")
    record = hr_client.get(f"/admin/completion/person/{staff.pk}/").content.decode()
    assert "Overdue: 14 days" in text(record)
    assert f'action="{extend_url(staff, assignment)}"' in record
    response = hr_client.post(
        extend_url(staff, assignment),
        {
            f"extend-{assignment.pk}-due_on": "2027-01-15",
            f"extend-{assignment.pk}-reason": "Surgery; back on Dec 1",
        },
    )
    assert response.status_code == 302
    page = text(hr_client.get(response["Location"]).content.decode())
    assert "Due date of First3 Last003 for 2026-2027 extended to Jan 15, 2027." in page
    assert "Jan 15, 2027 (extended; first due Oct 1, 2026)" in page
    assert "Extended to Jan 15, 2027 Surgery; back on Dec 1 Harriet Ramos" in page
    assert "Overdue" not in page.split("Extensions and exemptions")[0].split("2026-2027")[1]
    (row,) = AssignmentAdjustment.objects.all()
    assert (row.kind, row.due_on, row.reason, row.made_by) == (
        "extension",
        date(2027, 1, 15),
        "Surgery; back on Dec 1",
        hr_client.user,
    )
    assert Assignment.objects.get(pk=assignment.pk).due_on == date(2026, 10, 1)


def test_a_district_administrator_exempts_and_then_ends_the_exemption(district):
    admin = client_in(DISTRICT, first_name="Ada", last_name="Admin")
    staff, assignment = person("E007")
    admin.post(exempt_url(staff, assignment), {f"exempt-{assignment.pk}-reason": "On leave"})
    record = text(admin.get(f"/admin/completion/person/{staff.pk}/").content.decode())
    assert "Status Exempt Due Not due: exempt from this cycle" in record
    assert "End the exemption with a new due date" in record
    assert "Exempt from 2026-2027 " not in record.split("Exempt from this cycle On leave")[1]
    admin.post(
        extend_url(staff, assignment),
        {f"extend-{assignment.pk}-due_on": "03/01/2027", f"extend-{assignment.pk}-reason": "Back"},
    )
    record = text(admin.get(f"/admin/completion/person/{staff.pk}/").content.decode())
    assert "Status Not started Due Mar 1, 2027" in record
    history = record.split("oldest first")[1]
    assert history.index("Exempt from this cycle On leave Ada Admin") < history.index(
        "Extended to Mar 1, 2027 Back Ada Admin"
    )
    assert AssignmentAdjustment.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"due_on": "2027-01-15", "reason": "  "}, "Give a reason: it is kept with the record."),
        ({"due_on": "2027-02-30", "reason": "Leave"}, "Write the new due date as YYYY-MM-DD"),
        ({"due_on": "", "reason": "Leave"}, "Give the new due date."),
        ({"due_on": "2026-09-01", "reason": "Leave"}, "must be after the current one, Oct 1, 2026"),
        ({"due_on": "2027-08-01", "reason": "Leave"}, "which ends on Jun 30, 2027"),
        ({"due_on": "2027-01-15", "reason": "x" * 1001}, "at most 1000 characters"),
    ],
)
def test_bad_input_gets_one_message_and_writes_nothing(hr_client, district, data, message):
    staff, assignment = person("E003")
    response = hr_client.post(
        extend_url(staff, assignment),
        {f"extend-{assignment.pk}-{name}": value for name, value in data.items()},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert '<details class="person-adjust w-mb-4" open>' in html  # the form stays open
    assert not AssignmentAdjustment.objects.exists()


def test_completed_training_offers_no_adjustment_and_refuses_one(hr_client, district):
    staff, assignment = person("E001")
    record = hr_client.get(f"/admin/completion/person/{staff.pk}/").content.decode()
    assert "Extend the due date" not in record
    response = hr_client.post(
        exempt_url(staff, assignment), {f"exempt-{assignment.pk}-reason": "Leave"}
    )
    assert "completed this training on Sep 19, 2026" in response.content.decode()
    assert not AssignmentAdjustment.objects.exists()


def test_a_principal_sees_the_history_but_cannot_grant(maple_principal, district, hr_client):
    staff, assignment = person("E007")
    hr_client.post(exempt_url(staff, assignment), {f"exempt-{assignment.pk}-reason": "Leave"})
    record = maple_principal.get(f"/admin/completion/person/{staff.pk}/").content.decode()
    assert "Exempt from this cycle" in record and "Leave" in record
    assert "Extend the due date" not in record and '<form method="post"' not in record
    response = maple_principal.post(
        extend_url(staff, assignment),
        {f"extend-{assignment.pk}-due_on": "2027-01-15", f"extend-{assignment.pk}-reason": "x"},
    )
    # Wagtail's admin answers a refused permission by going back to its home page, saying so.
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert AssignmentAdjustment.objects.count() == 1


def test_someone_elses_record_answers_404(district):
    # A location administrator who was also given the permission still reaches only their own
    # locations' staff, and only an assignment of the person named in the address.
    principal = client_in(LOCATION)
    principal.user.user_permissions.add(Permission.objects.get(codename="change_assignment"))
    LocationAccess.objects.create(user=principal.user, location=district["maple"])
    riverside_staff, riverside_assignment = person("E003")
    maple_staff, _ = person("E007")
    data = {f"exempt-{riverside_assignment.pk}-reason": "Leave"}
    assert (
        principal.post(exempt_url(riverside_staff, riverside_assignment), data).status_code == 404
    )
    assert principal.post(exempt_url(maple_staff, riverside_assignment), data).status_code == 404
    assert not AssignmentAdjustment.objects.exists()


def test_adjusting_needs_a_csrf_token_and_only_a_post_writes(district):
    user = make_user("hr2@district.example")
    user.groups.add(Group.objects.get(name=HR))
    strict = Client(enforce_csrf_checks=True)
    login_verified(strict, user)
    staff, assignment = person("E003")
    assert (
        strict.post(
            exempt_url(staff, assignment), {f"exempt-{assignment.pk}-reason": "Leave"}
        ).status_code
        == 403
    )
    response = strict.get(exempt_url(staff, assignment))  # opened again: the record
    assert (response.status_code, response["Location"]) == (
        302,
        f"/admin/completion/person/{staff.pk}/",
    )
    assert not AssignmentAdjustment.objects.exists()


def test_hr_and_district_administrators_hold_the_permission_principals_do_not(db):
    def codenames(group):
        return set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))

    assert "change_assignment" in codenames(HR) and "change_assignment" in codenames(DISTRICT)
    assert "change_assignment" not in codenames(LOCATION)


def test_the_admins_assignment_screens_cannot_overwrite_a_due_date(hr_client, district):
    staff, assignment = person("E003")
    listing = hr_client.get("/admin/snippets/staff/assignment/")
    assert listing.status_code == 200
    edit = f"/admin/snippets/staff/assignment/edit/{assignment.pk}/"
    assert hr_client.get(edit).status_code in (302, 403)
    hr_client.post(
        edit,
        {
            "staff": staff.pk,
            "cycle": assignment.cycle_id,
            "kind": "refresher",
            "due_on": "2027-06-01",
        },
    )
    assert Assignment.objects.get(pk=assignment.pk).due_on == date(2026, 10, 1)
    assert TODAY == date(2026, 10, 15)


def test_h20_an_attempt_late_on_a_cycles_last_day_belongs_to_that_cycle(hr_client, district):
    """11:30 p.m. in New York on June 30 is July 1 in UTC: the person record must still file the
    attempt under the cycle that ended on June 30 (the district's day), not the next one."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from quizzes.models import Attempt
    from staff.models import TrainingCycle

    staff, assignment = person("E004")
    previous = TrainingCycle.objects.create(
        name="2025-2026",
        starts_on=date(2025, 7, 1),
        ends_on=date(2026, 6, 30),
        refresher_due_on=date(2025, 10, 1),
    )
    last = Assignment.objects.create(
        staff=staff,
        cycle=previous,
        course=make_course(),
        kind="refresher",
        due_on=date(2025, 10, 1),
    )
    late = datetime(2026, 6, 30, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    quiz = Attempt.objects.get(user=staff.user).quiz
    Attempt.objects.create(
        user=staff.user,
        quiz=quiz,
        number=2,
        question_count=6,
        pass_mark=80,
        started_at=late,
        submitted_at=late,
        correct_count=6,
        score=100,
        passed=True,
        assignment=last,
    )
    page = text(hr_client.get(f"/admin/completion/person/{staff.pk}/").content.decode())
    this_year = page[page.index("2026-2027") : page.index("2025-2026")]
    last_year = page[page.index("2025-2026") :]
    assert "Jun 30, 2026, 11:30 PM" in last_year
    assert "Jun 30, 2026" not in this_year
