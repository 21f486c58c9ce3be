from datetime import date

import pytest
from django.utils import timezone

from staff.models import Location, Staff
from staff.services import cycle_open
from tests.helpers import pass_section


@pytest.fixture
def cycle(db):
    today = timezone.localdate()
    cycle, _ = cycle_open(year=today.year if today.month >= 7 else today.year - 1)
    return cycle


@pytest.fixture
def staff_learner(learner, cycle):
    location = Location.objects.create(name="Maple Street Elementary School")
    staff = Staff.objects.create(
        employee_id="E-4411",
        first_name="María",
        last_name="O'Neil-Núñez",
        email=learner.username,
        location=location,
        hire_date=date(2015, 9, 1),
        user=learner,
    )
    from staff.services import assignments_ensure

    assignments_ensure(cycle=cycle)
    return staff


@pytest.fixture
def passed_everything(staff_learner, learner, sections):
    for section in sections:
        pass_section(learner, section)
    return staff_learner


def sign(client, name="María O'Neil-Núñez", confirm=True):
    data = {"typed_name": name}
    if confirm:
        data["confirm"] = "yes"
    return client.post("/certificates/complete/", data, HTTP_USER_AGENT="pytest-browser/1.0")
