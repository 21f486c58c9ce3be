"""SSO_REQUIRED_FOR_STAFF: learners sign in only through the district's identity provider, and no
route gives them a password; administrators keep their password and second factor."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from eupsite.sso_policy import SSO_REQUIRED_MESSAGE, password_sign_in_allowed
from eupsite.tokens import account_token_generator
from staff.groups import LOCATION
from staff.services import sign_in_sheet_print
from tests.conftest import LEARNER_PASSWORD, make_user
from tests.helpers import authenticator_give, run_tasks


def message_in(response) -> bool:
    """Whether the page says SSO_REQUIRED_MESSAGE (quotes as typed or as HTML escapes them)."""
    from html import unescape

    return str(SSO_REQUIRED_MESSAGE) in unescape(response.content.decode())


@pytest.fixture
def sso_required(settings):
    settings.SSO_REQUIRED_FOR_STAFF = True


@pytest.fixture
def principal(db):
    user = make_user("principal@school.example")
    user.groups.add(Group.objects.get(name=LOCATION))
    return user


def test_password_sign_in_is_allowed_for_everyone_while_sso_is_not_required(learner, principal):
    assert password_sign_in_allowed(user=learner)
    assert password_sign_in_allowed(user=principal)


def test_with_sso_required_only_people_with_admin_access_may_use_a_password(
    sso_required, learner, principal
):
    assert not password_sign_in_allowed(user=learner)
    assert password_sign_in_allowed(user=principal)


def test_the_password_form_refuses_a_learner_with_one_message_naming_the_district_sign_in(
    sso_required, client, learner
):
    response = client.post(
        "/accounts/login/", {"username": learner.username, "password": LEARNER_PASSWORD}
    )
    assert response.status_code == 200
    assert message_in(response)
    assert b"ask your administrator to reset your password" not in response.content
    assert "_auth_user_id" not in client.session


def test_a_learner_with_a_wrong_password_is_not_told_whether_sso_applies(
    sso_required, client, learner
):
    response = client.post("/accounts/login/", {"username": learner.username, "password": "no"})
    assert not message_in(response)


def test_an_administrator_keeps_password_and_second_factor(sso_required, client, principal):
    from tests.helpers import second_factor_code

    authenticator_give(principal)
    response = client.post(
        "/accounts/login/", {"username": principal.username, "password": LEARNER_PASSWORD}
    )
    assert response["Location"] == "/accounts/second-factor/"
    done = client.post("/accounts/second-factor/", {"code": second_factor_code(principal)})
    assert done["Location"] == "/admin/"


def test_no_password_reset_e_mail_goes_to_a_learner(sso_required, client, learner, principal):
    principal.email = "principal@school.example"
    principal.save()
    learner.email = "teacher@school.example"
    learner.save()
    for address in (learner.email, principal.email):
        client.post("/accounts/password-reset/", {"email": address})
    run_tasks()
    from jobs.models import OutgoingEmail

    sent_to = [e.to for e in mail.outbox] or [
        [to] for to in OutgoingEmail.objects.values_list("to", flat=True)
    ]
    assert sent_to == [[principal.email]]


def test_an_old_reset_link_gives_a_learner_no_password(sso_required, client, learner):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(learner.pk))
    token = account_token_generator.make_token(learner)
    page = client.get(f"/accounts/password-reset/{uid}/{token}/", follow=True)
    assert message_in(page)
    assert b'name="new_password1"' not in page.content


def test_an_invitation_gives_a_learner_no_password(sso_required, client, db):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from staff.models import Location
    from tests.staff.conftest import add_staff

    staff = add_staff(Location.objects.create(name="Maple"), "E1", "Ana", "Ruiz", "ana@s.example")
    user = staff.user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = account_token_generator.make_token(user)
    page = client.get(f"/accounts/invitation/{uid}/{token}/", follow=True)
    assert message_in(page)
    assert b'name="new_password1"' not in page.content


def test_a_printed_sign_in_code_gives_a_learner_no_password(sso_required, client, db):
    from staff.models import Location
    from tests.staff.conftest import add_staff

    location = Location.objects.create(name="Maple")
    add_staff(location, "C-1", "Tom", "Ruiz")
    hr = make_user("hr@school.example")
    _, printed = sign_in_sheet_print(location=location, printed_by=hr)
    code = printed[0].code
    response = client.post("/accounts/sign-in-code/", {"employee_id": "C-1", "code": code})
    assert response.status_code == 403
    assert message_in(response)
    assert client.get("/accounts/sign-in-code/password/")["Location"] == "/accounts/sign-in-code/"


def test_a_learner_invited_under_sso_is_told_to_use_the_district_sign_in_not_given_a_link(
    sso_required, settings, db
):
    from eupsite.settings.base import sso_providers
    from jobs.models import OutgoingEmail
    from staff.models import Location
    from staff.services import invitations_send
    from tests.staff.conftest import add_staff

    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(
        {
            "SSO_GOOGLE_CLIENT_ID": "id",
            "SSO_GOOGLE_CLIENT_SECRET": "secret",
            "SSO_MICROSOFT_CLIENT_ID": "id",
            "SSO_MICROSOFT_CLIENT_SECRET": "secret",
        }
    )
    staff = add_staff(Location.objects.create(name="Maple"), "E1", "Zoë", "Ruiz", "zoe@s.example")

    assert invitations_send(staff=[staff], base_url="https://training.example").invited == [staff]

    email = OutgoingEmail.objects.get(to="zoe@s.example")
    assert "set your password" not in email.subject
    assert "/accounts/invitation/" not in email.body
    assert "https://training.example/accounts/login/" in email.body
    assert 'Press "Sign in with Google" or "Sign in with Microsoft"' in email.body
    assert "zoe@s.example" in email.body


def test_an_administrator_invited_under_sso_still_gets_a_password_link(sso_required, principal, db):
    from jobs.models import OutgoingEmail
    from staff.models import Location, Staff
    from staff.services import invitations_send

    principal.set_unusable_password()
    principal.save()
    staff = Staff.objects.create(
        employee_id="P1",
        first_name="Ana",
        last_name="Ruiz",
        email=principal.email,
        location=Location.objects.create(name="Maple"),
        hire_date="2020-08-24",
        user=principal,
    )

    invitations_send(staff=[staff], base_url="https://training.example")

    email = OutgoingEmail.objects.get(to=principal.email)
    assert "set your password" in email.subject
    assert "https://training.example/accounts/invitation/" in email.body


def test_someone_who_already_signed_in_through_the_district_account_is_not_invited(db):
    from django.utils import timezone

    from staff.models import Location
    from staff.selectors import NotInvited, sign_in_state
    from staff.services import invitations_send
    from tests.staff.conftest import add_staff

    staff = add_staff(Location.objects.create(name="Maple"), "E1", "Ana", "Ruiz", "ana@s.example")
    staff.user.last_login = timezone.now()
    staff.user.is_active = True
    staff.user.save()

    result = invitations_send(staff=[staff], resend=True)

    assert result.invited == []
    assert [s.reason for s in result.skipped] == [NotInvited.SIGNS_IN_WITH_DISTRICT_ACCOUNT]
    assert str(result.skipped[0]) == "already signs in with the district account"
    assert sign_in_state(staff) == "district_account"


def test_the_sign_in_page_tells_staff_to_use_the_district_button_and_offers_no_sign_in_code(
    sso_required, settings, client, db
):
    from eupsite.settings.base import sso_providers

    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(
        {"SSO_GOOGLE_CLIENT_ID": "id", "SSO_GOOGLE_CLIENT_SECRET": "secret"}
    )
    page = client.get("/accounts/login/").content.decode()

    assert "Sign in with Google" in page
    assert "Staff sign in with the button for the district account." in page
    assert "/accounts/sign-in-code/" not in page


def test_requiring_sso_with_no_sign_in_service_configured_fails_the_system_check(settings):
    from django.core import checks

    settings.SSO_REQUIRED_FOR_STAFF = True
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    errors = [e for e in checks.run_checks(tags=[checks.Tags.security]) if e.id == "eupsite.E001"]
    assert len(errors) == 1 and "no sign-in service is configured" in errors[0].msg

    settings.SSO_REQUIRED_FOR_STAFF = False
    assert not [
        e for e in checks.run_checks(tags=[checks.Tags.security]) if e.id.startswith("eupsite")
    ]
