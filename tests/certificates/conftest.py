import pytest
from django.utils import timezone

from staff.services import cycle_open
from tests.helpers import pass_section


@pytest.fixture
def cycle(db):
    today = timezone.localdate()
    cycle, _ = cycle_open(year=today.year if today.month >= 7 else today.year - 1)
    return cycle


@pytest.fixture
def assigned_learner(staff_learner, cycle):
    from staff.services import assignments_ensure

    assignments_ensure(cycle=cycle)
    return staff_learner


@pytest.fixture
def passed_everything(assigned_learner, learner, sections):
    for section in sections:
        pass_section(learner, section)
    return assigned_learner


def sign(client, name="María O'Neil-Núñez", confirm=True):
    data = {"typed_name": name}
    if confirm:
        data["confirm"] = "yes"
    return client.post("/certificates/complete/", data, HTTP_USER_AGENT="pytest-browser/1.0")
