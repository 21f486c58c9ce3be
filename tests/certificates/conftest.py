import pytest

from tests.helpers import pass_section, restore_migration_data


def sign(client, name="María O'Neil-Núñez", confirm=True):
    data = {"typed_name": name}
    if confirm:
        data["confirm"] = "yes"
    return client.post("/certificates/complete/", data, HTTP_USER_AGENT="pytest-browser/1.0")


@pytest.fixture
def passed_everything_tx(transactional_db):
    """Like passed_everything, committed, so other threads' connections see it."""
    from datetime import date

    from django.core.management import call_command
    from django.utils import timezone

    from staff.models import Location, Staff
    from staff.services import assignments_ensure, cycle_open
    from tests.conftest import make_user
    from training.models import SectionPage

    restore_migration_data()
    call_command("load_course", verbosity=0)
    today = timezone.localdate()
    cycle, _ = cycle_open(year=today.year if today.month >= 7 else today.year - 1)
    user = make_user("race@school.example", first_name="María", last_name="O'Neil-Núñez")
    Staff.objects.create(
        employee_id="E-1",
        first_name="María",
        last_name="O'Neil-Núñez",
        email=user.username,
        location=Location.objects.create(name="School"),
        hire_date=date(2015, 9, 1),
        user=user,
    )
    assignments_ensure(cycle=cycle)
    for section in SectionPage.objects.order_by("path"):
        pass_section(user, section)
    return user
