from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command

from quizzes.models import Attempt, Quiz
from staff.models import Assignment, Location, Staff, TrainingCycle
from staff.selectors import (
    COMPLETED,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    assignment_due_on,
    assignment_status,
    learner_assignments,
    with_activity,
)
from staff.services import (
    cycle_dates_for_year,
    cycle_open,
    invitations_send,
)
from tests.conftest import make_user
from tests.helpers import login_verified, make_course, run_tasks

CYCLE_2026 = cycle_dates_for_year(2026)


def test_the_default_cycle_follows_the_school_year():
    assert CYCLE_2026 == {
        "name": "2026-2027",
        "starts_on": date(2026, 7, 1),
        "ends_on": date(2027, 6, 30),
        "refresher_due_on": date(2026, 10, 1),
        "new_hire_due_days": 30,
    }


@pytest.fixture(autouse=True)
def a_course(db):
    """Every staff member is assigned the course (its rule): the cycles below assign it."""
    return make_course()


@pytest.fixture
def cycle(db):
    return TrainingCycle.objects.create(**CYCLE_2026)


@pytest.mark.parametrize(
    ("hire_date", "kind", "due_on"),
    [
        (date(2026, 6, 30), "refresher", date(2026, 10, 1)),  # the day before the cycle starts
        (date(2026, 7, 1), "onboarding", date(2026, 7, 31)),  # the day it starts
        (date(2026, 7, 2), "onboarding", date(2026, 8, 1)),  # the day after
        (date(2027, 6, 30), "onboarding", date(2027, 7, 30)),  # its last day
        (date(2015, 9, 1), "refresher", date(2026, 10, 1)),
    ],
)
def test_due_dates_around_the_cycle_start(cycle, hire_date, kind, due_on):
    assert assignment_due_on(cycle=cycle, hire_date=hire_date) == (kind, due_on)


def test_the_new_hire_period_is_configurable(db):
    cycle = TrainingCycle.objects.create(**(CYCLE_2026 | {"new_hire_due_days": 14}))
    assert assignment_due_on(cycle=cycle, hire_date=date(2026, 9, 1))[1] == date(2026, 9, 15)


def make_staff(employee_id="E1", hire_date=date(2020, 1, 1), user=None, active=True):
    location, _ = Location.objects.get_or_create(name="Riverside High School")
    return Staff.objects.create(
        employee_id=employee_id,
        first_name="Ann",
        last_name="Lee",
        email=f"{employee_id.lower()}@district.example",
        location=location,
        hire_date=hire_date,
        user=user,
        is_active=active,
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 9, 30), NOT_STARTED),
        (date(2026, 10, 1), NOT_STARTED),  # due today is not overdue
        (date(2026, 10, 2), OVERDUE),  # overdue by one day
    ],
)
def test_status_around_the_due_date(cycle, today, expected):
    staff = make_staff()
    cycle_open(year=2026)
    assignment = Assignment.objects.get(staff=staff)
    assert assignment_status(assignment, today=today) == expected


def test_completed_beats_overdue_and_in_progress_needs_activity_in_this_cycle(cycle, sections):
    user = make_user("ann@district.example")
    staff = make_staff(user=user)
    cycle_open(year=2026)
    assignment = Assignment.objects.get(staff=staff)
    # An attempt for last school year's assignment does not make this year's "in progress".
    last_year, _ = cycle_open(year=2025)
    quiz = Quiz.objects.get(section=sections[0])
    Attempt.objects.create(
        user=user,
        quiz=quiz,
        number=1,
        question_count=5,
        pass_mark=80,
        assignment=Assignment.objects.get(staff=staff, cycle=last_year),
        started_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    assert assignment_status(assignment, today=date(2026, 9, 1)) == NOT_STARTED
    Attempt.objects.create(
        user=user, quiz=quiz, number=2, question_count=5, pass_mark=80, assignment=assignment
    )
    assert assignment_status(assignment, today=date(2026, 9, 1)) == IN_PROGRESS
    assignment.completed_at = datetime(2026, 10, 5, tzinfo=UTC)
    assert assignment_status(assignment, today=date(2026, 11, 1)) == COMPLETED


def test_a_completion_last_cycle_does_not_count_for_this_one(db):
    staff = make_staff()
    last, _ = cycle_open(year=2025)
    Assignment.objects.filter(staff=staff, cycle=last).update(
        completed_at=datetime(2025, 9, 1, tzinfo=UTC)
    )
    this, created = cycle_open(year=2026)
    assert created == 1
    current = with_activity(Assignment.objects.filter(staff=staff, cycle=this)).get()
    assert assignment_status(current, today=date(2026, 10, 2)) == OVERDUE
    assert Assignment.objects.filter(staff=staff).count() == 2  # last year's record is kept


def test_opening_a_cycle_assigns_active_staff_once(db):
    make_staff("E1")
    make_staff("E2", active=False)
    make_staff("E3", hire_date=date(2026, 8, 20))
    cycle, created = cycle_open(year=2026)
    assert created == 2
    assert cycle_open(year=2026)[1] == 0
    e3 = Assignment.objects.get(staff__employee_id="E3")
    assert (e3.kind, e3.due_on) == ("onboarding", date(2026, 9, 19))


def test_the_learner_sees_their_assignment_and_history(client, db, course):
    user = make_user("ann@district.example", first_name="Ann", last_name="Lee")
    staff = make_staff(user=user)
    from django.utils import timezone

    today = timezone.localdate()
    year = today.year if today.month >= 7 else today.year - 1
    previous, _ = cycle_open(year=year - 1)
    Assignment.objects.filter(staff=staff, cycle=previous).update(
        completed_at=datetime(year - 1, 9, 14, 12, tzinfo=UTC)
    )
    current, _ = cycle_open(year=year)
    login_verified(client, user)
    html = client.get("/").content.decode()
    assert f"Your training for {current.name}" in html
    assert current.refresher_due_on.strftime("%B %-d, %Y") in html
    assert "Annual refresher" in html
    assert f"{previous.name}: completed September 14, {year - 1}" in html
    current_assignment, history = learner_assignments(user=user, course_id=course.pk)
    assert current_assignment.assignment.cycle == current and history[0].cycle == previous


def test_open_cycle_command(db, capsys):
    make_staff()
    call_command("open_cycle", "2026")
    assert "Cycle 2026-2027: refresher due October 1, 2026; 1 new assignment(s)." in (
        capsys.readouterr().out
    )


def test_invitations_carry_a_one_time_link_that_activates_the_account(client, db, tmp_path):
    text = (
        "employee_id,first_name,last_name,email,location,job_title,hire_date,active\n"
        "E9,Ann,Lee,ann.lee@district.example,School A,Teacher,2024-01-10,yes\n"
    )
    (tmp_path / "r.csv").write_text(text)
    call_command("import_roster", tmp_path / "r.csv", verbosity=0)
    call_command("send_invitations", base_url="http://testserver")
    run_tasks()
    assert len(mail.outbox) == 1
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/accounts/invitation/" in line
    )
    path = link.replace("http://testserver", "")

    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "a-long-new-password-9", "new_password2": "a-long-new-password-9"},
    )
    assert response.status_code == 302
    staff = Staff.objects.get(employee_id="E9")
    staff.user.refresh_from_db()
    assert staff.user.is_active and staff.user.check_password("a-long-new-password-9")
    # The link works once.
    again = client.get(path, follow=True)
    assert b"This link has been used already" in again.content
    # Nobody is invited twice by a second run.
    call_command("send_invitations")
    run_tasks()
    assert len(mail.outbox) == 1


def test_invitations_skip_inactive_staff_and_those_with_a_password(db):
    active = make_staff("E1", user=make_user("e1@district.example"))
    inactive = make_staff("E2", active=False)
    result = invitations_send(staff=[active, inactive])
    assert result.invited == []
    assert [(s.staff, s.reason) for s in result.skipped] == [
        (active, "has_password"),
        (inactive, "inactive"),
    ]
    run_tasks()
    assert mail.outbox == []


def test_roster_import_assigns_new_staff_in_the_current_cycle(db, tmp_path):
    from django.utils import timezone

    today = timezone.localdate()
    cycle_open(year=today.year if today.month >= 7 else today.year - 1)
    hired = (today - timedelta(days=3)).isoformat()
    text = (
        "employee_id,first_name,last_name,email,location,job_title,hire_date,active\n"
        f"E9,Ann,Lee,ann.lee@district.example,School A,Teacher,{hired},yes\n"
    )
    (tmp_path / "r.csv").write_text(text)
    call_command("import_roster", tmp_path / "r.csv", verbosity=0)
    assignment = Assignment.objects.get(staff__employee_id="E9")
    assert (assignment.kind, assignment.due_on) == ("onboarding", today + timedelta(days=27))
