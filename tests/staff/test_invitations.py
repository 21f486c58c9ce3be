"""Invitations: one service decides who is invited and who is not (and why); the admin's bulk
action, the import's "Invite these N new people" and `send_invitations` all report it."""

from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from jobs.models import OutgoingEmail
from staff.models import Location, Staff
from staff.services import cycle_open, invitations_send
from tests.conftest import make_user
from tests.helpers import login_verified, run_tasks


def person(employee_id, *, email=None, account=True, password=False, active=True, **extra):
    location, _ = Location.objects.get_or_create(name="Riverside High School")
    email = f"{employee_id.lower()}@district.example" if email is None else email
    user = None
    if account:
        user = make_user(email or f"{employee_id}@nowhere.example", is_active=password)
        if not password:
            user.set_unusable_password()
            user.save()
    return Staff.objects.create(
        employee_id=employee_id,
        first_name=extra.pop("first_name", "Zoë"),
        last_name=extra.pop("last_name", "O'Brien-Núñez"),
        email=email,
        location=location,
        hire_date=date(2015, 9, 1),
        user=user,
        is_active=active,
        **extra,
    )


@pytest.fixture
def everyone(db):
    return {
        "ready": person("E1"),
        "has_password": person("E2", password=True),
        "inactive": person("E3", active=False),
        "no_email": person("E4", email="", account=False),
        "no_account": person("E5", account=False),
        "invited": person("E6", invited_at=datetime(2026, 11, 20, 3, 0, tzinfo=UTC)),
    }


def staff_list(everyone):
    pks = [member.pk for member in everyone.values()]
    return list(Staff.objects.filter(pk__in=pks).select_related("user").order_by("employee_id"))


def test_each_person_not_invited_is_named_with_the_reason(everyone):
    result = invitations_send(staff=staff_list(everyone))
    assert [s.employee_id for s in result.invited] == ["E1"]
    reasons = {s.staff.employee_id: str(s) for s in result.skipped}
    assert reasons == {
        "E2": "already set a password",
        "E3": "inactive on the roster",
        "E4": "no work e-mail: print a sign-in code",
        "E5": "no login account",
        # 03:00 UTC on Nov 20 is still Nov 19 in the district.
        "E6": "already invited on Nov 19, 2026",
    }
    assert OutgoingEmail.objects.filter(kind="invitation").count() == 1


def test_resend_invites_those_invited_before_and_nobody_else(everyone):
    result = invitations_send(staff=staff_list(everyone), resend=True)
    assert sorted(s.employee_id for s in result.invited) == ["E1", "E6"]
    assert Staff.objects.get(employee_id="E6").invited_at.year == timezone.now().year


def test_two_administrators_inviting_the_same_person_at_once_send_one_invitation(everyone):
    # Both loaded the list before either sent: the second finds the person claimed.
    first_view, second_view = staff_list(everyone), staff_list(everyone)
    assert len(invitations_send(staff=first_view).invited) == 1
    second = invitations_send(staff=second_view)
    assert second.invited == []
    assert "E1" in {s.staff.employee_id for s in second.skipped if s.reason == "already_invited"}
    assert OutgoingEmail.objects.filter(kind="invitation").count() == 1


def test_the_invitation_says_when_the_training_is_due_and_who_sent_it(db):
    today = timezone.localdate()
    cycle, _ = cycle_open(year=today.year if today.month >= 7 else today.year - 1)
    member = person("E1")
    cycle_open(year=cycle.starts_on.year)  # assigns the new person
    admin = make_user("hr@district.example", first_name="Harriet", last_name="Ramos")
    invitations_send(staff=[member], base_url="http://testserver", invited_by=admin)
    run_tasks()
    (message,) = mail.outbox
    due = cycle.refresher_due_on
    assert f"Please complete the training by {due:%b} {due.day}, {due.year}." in message.body
    assert "Hello Zoë," in message.body
    assert "Harriet Ramos, for Waterbury Public Schools, has set up your account" in message.body
    assert message.body.rstrip().endswith("Harriet Ramos\nWaterbury Public Schools")
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "Waterbury Public Schools" in settings.DEFAULT_FROM_EMAIL


def test_an_invitation_from_the_command_comes_from_the_district(db):
    person("E1")
    call_command("send_invitations", base_url="http://testserver")
    run_tasks()
    (message,) = mail.outbox
    assert "Waterbury Public Schools has set up your account" in message.body
    assert "Please complete" not in message.body  # no cycle is open: no due date to state


def test_send_invitations_prints_who_was_not_invited_and_why(everyone, capsys):
    call_command("send_invitations", base_url="http://testserver")
    out = capsys.readouterr().out
    assert "Queued 1 invitation(s)" in out
    assert "Not invited: 4" in out  # the inactive are not the command's business
    assert "  no work e-mail: print a sign-in code (1):" in out
    assert "    O'Brien-Núñez, Zoë (E4): no work e-mail: print a sign-in code" in out
    assert "    O'Brien-Núñez, Zoë (E6): already invited on Nov 19, 2026" in out
    assert "(E3)" not in out


@pytest.fixture
def hr_client(db):
    user = make_user("hr@district.example", first_name="Harriet", last_name="Ramos")
    user.groups.add(Group.objects.get(name="HR administrators"))
    client = Client()
    login_verified(client, user)
    return client


def bulk_url(everyone):
    ids = "&".join(f"id={member.pk}" for member in everyone.values())
    return f"/admin/bulk/staff/staff/invite/?next=/admin/snippets/staff/staff/&{ids}"


def test_the_bulk_action_says_beforehand_who_will_not_be_invited(hr_client, everyone):
    html = hr_client.get(bulk_url(everyone)).content.decode()
    assert "Send a set-your-password e-mail to this person?" in html
    assert "5 people will not be invited" in html
    assert "(E2): already set a password" in html
    assert "(E4): no work e-mail: print a sign-in code" in html
    assert "Send again to those invited before" in html
    assert not OutgoingEmail.objects.exists()


def test_the_bulk_action_invites_and_names_who_was_skipped_and_why(hr_client, everyone):
    response = hr_client.post(bulk_url(everyone))
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 invitation queued" in html and "5 people not invited" in html
    assert "already set a password" in html and "inactive on the roster" in html
    assert 'href="/admin/snippets/staff/staff/"' in html
    run_tasks()
    assert [m.to for m in mail.outbox] == [["e1@district.example"]]
    assert "Harriet Ramos" in mail.outbox[0].body


def test_the_bulk_action_resends_when_asked(hr_client, everyone):
    html = hr_client.post(bulk_url(everyone), {"resend": "on"}).content.decode()
    assert "2 invitations queued" in html
    assert OutgoingEmail.objects.filter(to="e6@district.example").exists()


def test_only_those_who_manage_staff_can_invite(client, everyone):
    principal = make_user("principal@district.example")
    principal.groups.add(Group.objects.get(name="Location administrators"))
    login_verified(client, principal)
    response = client.post(bulk_url(everyone))
    assert response.status_code in (302, 403)
    assert not OutgoingEmail.objects.exists()
