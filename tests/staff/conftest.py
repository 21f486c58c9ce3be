"""Fixtures for the staff app's tests: administrators of each kind, locations, staff."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from staff.groups import HR, LOCATION
from staff.models import Location, Staff
from staff.services import staff_create
from tests.helpers import login_verified

HR_PASSWORD = "keep-the-roster-1"  # noqa: S105 (a test account)


@pytest.fixture(autouse=True)
def a_course_for_everyone(request):
    """As on a real site, there is a course every staff member is assigned (its rule), so the
    cycles these tests open assign it."""
    for database in ("transactional_db", "db"):
        if database in request.fixturenames:
            from tests.helpers import make_course

            request.getfixturevalue(database)
            make_course()
            return


def client_for(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def administrator(username: str, group: str):
    user = get_user_model().objects.create_user(username, email=username, password=HR_PASSWORD)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def hr_user(db):
    return administrator("hr@district.example", HR)


@pytest.fixture
def hr_client(hr_user):
    return client_for(hr_user)


@pytest.fixture
def principal_client(db):
    return client_for(administrator("principal@district.example", LOCATION))


@pytest.fixture
def superuser_client(db):
    root = get_user_model().objects.create_superuser("it@district.example", password="x-it-pw")
    return client_for(root)


@pytest.fixture
def riverside(db):
    return Location.objects.create(name="Riverside High School")


@pytest.fixture
def maple(db):
    return Location.objects.create(name="Maple Street Elementary School")


def add_staff(location, employee_id, first_name, last_name, email="", **extra) -> Staff:
    """A staff member added as HR adds one by hand (login account, current assignment)."""
    return staff_create(
        employee_id=employee_id,
        first_name=first_name,
        last_name=last_name,
        email=email,
        location=location,
        job_title=extra.pop("job_title", "Custodian"),
        hire_date=extra.pop("hire_date", date(2020, 8, 24)),
    )


LEARNER_PASSWORD = "a-learner-password"  # noqa: S105 (a test account)


def give_password(staff: Staff, password: str = LEARNER_PASSWORD) -> Staff:
    user = staff.user
    user.set_password(password)
    user.is_active = True
    user.save()
    return staff
