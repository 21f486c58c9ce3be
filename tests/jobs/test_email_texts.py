"""Every e-mail is plain text: a name is written as it is (O'Brien-Núñez, never
O&#x27;Brien-Núñez) and a link's "&" stays "&". Each e-mail is produced by the service that
sends it, for a person named O'Brien-Núñez, and read as delivered."""

from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail

from jobs.models import PreparedFile
from jobs.services import file_request
from reports.services import reminders_send
from staff.models import Assignment, Location, LocationAccess, Staff, TrainingCycle
from staff.services import invitations_send
from tests.conftest import make_user
from tests.helpers import make_course, run_tasks

NAME = ("Zoë", "O'Brien-Núñez")
ESCAPES = ("&#x27;", "&#39;", "&amp;", "&quot;", "&lt;", "&gt;")


def delivered() -> list:
    run_tasks()
    return mail.outbox


def assert_plain(message):
    for escape in ESCAPES:
        assert escape not in message.body, f"{escape} in: {message.body}"
        assert escape not in message.subject


@pytest.fixture
def cycle(db):
    make_course()
    return TrainingCycle.objects.create(
        name="2026-2027",
        starts_on=date(2026, 7, 1),
        ends_on=date(2027, 6, 30),
        refresher_due_on=date(2026, 10, 1),
    )


@pytest.fixture
def zoe(cycle):
    user = make_user("zoe@district.example", first_name=NAME[0], last_name=NAME[1])
    location = Location.objects.create(name="St. Mary's School")
    staff = Staff.objects.create(
        employee_id="E-1",
        first_name=NAME[0],
        last_name=NAME[1],
        email=user.username,
        location=location,
        hire_date=date(2015, 9, 1),
        user=user,
    )
    Assignment.objects.create(
        staff=staff, cycle=cycle, course=make_course(), kind="refresher", due_on=date(2026, 10, 1)
    )
    return staff


def test_the_invitation_is_plain_text(zoe):
    zoe.user.set_unusable_password()
    zoe.user.save()
    admin = make_user("hr@district.example", first_name="Seán", last_name="D'Amico")
    invitations_send(staff=[zoe], invited_by=admin)
    (message,) = delivered()
    assert_plain(message)
    assert "Hello Zoë," in message.body
    assert "Seán D'Amico, for Waterbury Public Schools" in message.body


def test_the_reminder_and_the_digest_are_plain_text(zoe):
    principal = make_user("principal@district.example", first_name="Pat", last_name="O'Hara")
    principal.groups.add(Group.objects.get(name="Location administrators"))
    LocationAccess.objects.create(user=principal, location=zoe.location)
    reminders_send(today=date(2026, 10, 15))
    messages = {m.to[0]: m for m in delivered()}
    reminder, digest = messages["zoe@district.example"], messages["principal@district.example"]
    for message in (reminder, digest):
        assert_plain(message)
    assert reminder.body.startswith("Hello Zoë,")
    assert digest.body.startswith("St. Mary's School: staff overdue")
    assert "- O'Brien-Núñez, Zoë (E-1), due October 1, 2026" in digest.body
    assert f"?status=overdue&location={zoe.location.pk}" in digest.body


def test_the_password_reset_is_plain_text(client, zoe):
    response = client.post("/accounts/password-reset/", {"email": "zoe@district.example"})
    assert response.status_code == 302
    (message,) = delivered()
    assert_plain(message)
    assert message.body.startswith("Hello Zoë,")


def test_the_file_ready_email_is_plain_text(zoe, cycle):
    user = make_user("o'brien@district.example", first_name=NAME[0], last_name=NAME[1])
    file_request(kind=PreparedFile.Kind.RECORDS_ARCHIVE, user=user, cycle=cycle)
    (message,) = delivered()
    assert_plain(message)
    assert message.to == ["o'brien@district.example"]
    assert message.body.startswith("Hello Zoë,")
    assert "records archive of a cycle (zip)" in message.body
    assert "/admin/downloads/" in message.body


def test_every_plain_text_email_template_turns_escaping_off():
    """A new e-mail template that forgets {% autoescape off %} would escape names again."""
    root = Path(settings.BASE_DIR)
    templates = [
        *root.glob("*/templates/*/email/*.txt"),
        root / "site/templates/registration/password_reset_email.html",
    ]
    assert len(templates) >= 6
    for path in templates:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("{% autoescape off %}"), path
        assert text.rstrip().endswith("{% endautoescape %}"), path
