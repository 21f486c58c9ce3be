import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from hypothesis import settings as hypothesis_settings

from staff.services import cycle_open
from tests.helpers import login_verified, pass_section
from training.content import read_course
from training.models import CoursePage, SectionPage
from training.services import course_load

LEARNER_PASSWORD = "a-learner-password"

# Wall-clock time is never asserted: these machines are shared and a busy moment would turn
# hypothesis's per-example deadline into a flaky failure.
hypothesis_settings.register_profile("project", deadline=None)
hypothesis_settings.load_profile("project")


@pytest.fixture
def course_spec():
    return read_course(settings.COURSE_CONTENT_DIR)


@pytest.fixture
def course(db, course_spec) -> CoursePage:
    """The real course, loaded from content/ as `make run` does."""
    course_load(spec=course_spec)
    return CoursePage.objects.get(slug=course_spec.slug)


@pytest.fixture
def sections(course) -> list[SectionPage]:
    return list(SectionPage.objects.child_of(course).live().order_by("path"))


def make_user(username: str, password: str = LEARNER_PASSWORD, **extra):
    return get_user_model().objects.create_user(
        username=username, email=username, password=password, **extra
    )


@pytest.fixture
def learner(db):
    return make_user("learner@school.example", first_name="Maria", last_name="O'Neil-Núñez")


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def staff_learner(learner):
    """The learner on the HR roster (no assignment yet: tests open the cycles they need)."""
    from datetime import date

    from staff.models import Location, Staff

    return Staff.objects.create(
        employee_id="E-4411",
        first_name="María",
        last_name="O'Neil-Núñez",
        email=learner.username,
        location=Location.objects.create(name="Maple Street Elementary School"),
        hire_date=date(2015, 9, 1),
        user=learner,
    )


@pytest.fixture
def cycle(db, course):
    today = timezone.localdate()
    cycle, _ = cycle_open(year=today.year if today.month >= 7 else today.year - 1)
    return cycle


@pytest.fixture
def assigned_learner(staff_learner, cycle, course):
    from staff.services import assignments_ensure

    assignments_ensure(cycle=cycle)
    return staff_learner


@pytest.fixture
def passed_everything(assigned_learner, learner, sections):
    for section in sections:
        pass_section(learner, section)
    return assigned_learner


@pytest.fixture
def passed_everything_tx(transactional_db):
    """Like passed_everything, committed, so other threads' connections see it."""
    from datetime import date

    from django.core.management import call_command
    from django.utils import timezone

    from staff.models import Location, Staff
    from staff.services import assignments_ensure, cycle_open
    from tests.conftest import make_user
    from tests.helpers import restore_migration_data
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


# The test OpenID provider for single sign-on, for tests/sso and the browser tests alike.
from tests.sso.fixtures import oidc_provider, oidc_provider_process, sso_settings  # noqa: E402, F401


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's superuser client, with a session that passed the second factor (as
    everyone with admin access must: eupsite.second_factor)."""
    from django.test import Client

    return login_verified(Client(), admin_user)
