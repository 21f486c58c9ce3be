from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from quizzes.models import Attempt, Quiz
from staff.models import Assignment, Location, LocationAccess, Staff, TrainingCycle
from tests.conftest import make_user
from tests.helpers import login_verified, make_course

TODAY = date(2026, 10, 15)  # after the refresher due date (October 1)


def freeze_today(monkeypatch, today: date = TODAY):
    """timezone.localdate() answers `today`; localdate(a_datetime) still converts it."""
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return today if value is None else real(value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)


@pytest.fixture
def frozen_today(monkeypatch):
    freeze_today(monkeypatch)
    return TODAY


@pytest.fixture
def cycle(db):
    make_course()
    return TrainingCycle.objects.create(
        name="2026-2027",
        starts_on=date(2026, 7, 1),
        ends_on=date(2027, 6, 30),
        refresher_due_on=date(2026, 10, 1),
    )


def add_staff(
    n,
    location,
    job_title,
    cycle,
    *,
    completed=False,
    due=date(2026, 10, 1),
    active=True,
    last_name=None,
):
    user = make_user(f"s{n}@district.example")
    staff = Staff.objects.create(
        employee_id=f"E{n:03d}",
        first_name=f"First{n}",
        last_name=last_name or f"Last{n:03d}",
        email=user.username,
        location=location,
        job_title=job_title,
        hire_date=date(2015, 1, 1),
        user=user,
        is_active=active,
    )
    Assignment.objects.create(
        staff=staff,
        cycle=cycle,
        course=make_course(),
        kind="refresher",
        due_on=due,
        completed_at=datetime(2026, 9, 20, tzinfo=UTC) if completed else None,
    )
    return staff


@pytest.fixture
def district(cycle, sections):
    """A known district: Riverside (4 staff) and Maple (3 staff), plus one inactive.

    Riverside: 2 teachers completed, 1 teacher overdue, 1 counselor in progress (due later).
    Maple: 1 teacher completed, 1 para not started (due later), 1 para overdue.
    """
    riverside = Location.objects.create(name="Riverside High School")
    maple = Location.objects.create(name="Maple Street Elementary School")
    later = date(2026, 11, 1)
    add_staff(1, riverside, "Teacher", cycle, completed=True)
    add_staff(2, riverside, "Teacher", cycle, completed=True)
    add_staff(3, riverside, "Teacher", cycle)
    counselor = add_staff(4, riverside, "School Counselor", cycle, due=later)
    add_staff(5, maple, "Teacher", cycle, completed=True)
    add_staff(6, maple, "Paraprofessional", cycle, due=later)
    add_staff(7, maple, "Paraprofessional", cycle, last_name='=HYPERLINK("http://x")')
    add_staff(8, maple, "Teacher", cycle, active=False)
    Attempt.objects.create(
        user=counselor.user,
        quiz=Quiz.objects.get(section=sections[0]),
        number=1,
        question_count=6,
        pass_mark=80,
        started_at=datetime(2026, 9, 1, tzinfo=UTC),
        assignment=counselor.assignments.get(),
    )
    return {"riverside": riverside, "maple": maple}


@pytest.fixture
def district_admin(db):
    user = make_user("district@district.example")
    user.groups.add(Group.objects.get(name="District administrators"))
    client = Client()
    login_verified(client, user)
    return client


@pytest.fixture
def maple_principal(district):
    user = make_user("principal@district.example")
    user.groups.add(Group.objects.get(name="Location administrators"))
    LocationAccess.objects.create(user=user, location=district["maple"])
    client = Client()
    login_verified(client, user)
    client.user = user
    return client
