"""The second factor for everyone who can reach the admin: setting up an authenticator, the code
step after the password, recovery codes, the admin's own login, resets, and the limits."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import ModelLogEntry

from eupsite.second_factor import RESET_ACTION, WRONG_CODE, WRONG_ENROLMENT_CODE
from staff.groups import DISTRICT, HR, LOCATION
from tests.conftest import LEARNER_PASSWORD, make_user
from tests.helpers import authenticator_give, login_verified, second_factor_code, totp_code

PASSWORD = "admin-password-1"


@pytest.fixture
def principal(db):
    user = make_user("principal@school.example", password=PASSWORD)
    user.groups.add(Group.objects.get(name=LOCATION))
    return user


def sign_in(client, username, password=PASSWORD, next_url=""):
    return client.post(
        "/accounts/login/", {"username": username, "password": password, "next": next_url}
    )


def key_from_enrolment_page(content: bytes) -> str:
    """The hex key of the secret the set-up page writes out (base32, in groups of four)."""
    from base64 import b32decode

    written = re.search(rb'id="secret-key"[^>]*><code>([A-Z2-7 ]+)</code>', content).group(1)
    raw = written.decode().replace(" ", "")
    return b32decode(raw + "=" * (-len(raw) % 8)).hex()


def test_a_right_password_alone_does_not_sign_an_administrator_in(client, principal):
    authenticator_give(principal)
    response = sign_in(client, principal.username)
    assert response.status_code == 302 and response["Location"] == "/accounts/second-factor/"
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/")["Location"].startswith("/accounts/login/")


def test_an_administrator_without_an_authenticator_sets_one_up_and_gets_recovery_codes(
    client, principal
):
    sign_in(client, principal.username)
    page = client.get("/accounts/second-factor/", follow=True)
    assert page.redirect_chain[-1][0].startswith("/accounts/second-factor/set-up/")
    assert b"<svg" in page.content and b'id="secret-key"' in page.content
    key = key_from_enrolment_page(page.content)
    assert TOTPDevice.objects.get(user=principal, confirmed=False).key == key
    # A reload keeps the same secret: what was scanned stays right.
    assert key_from_enrolment_page(client.get("/accounts/second-factor/set-up/").content) == key

    done = client.post("/accounts/second-factor/set-up/", {"code": totp_code(key)})
    assert done.status_code == 200
    assert b"Keep these codes now" in done.content
    codes = re.findall(rb"<li><code>([a-z2-7]+)</code></li>", done.content)
    assert len(codes) == 10
    assert StaticToken.objects.filter(device__user=principal).count() == 10
    assert TOTPDevice.objects.get(user=principal).confirmed
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_at_set_up_says_so_and_confirms_nothing(client, principal):
    sign_in(client, principal.username)
    client.get("/accounts/second-factor/set-up/")
    response = client.post("/accounts/second-factor/set-up/", {"code": "000000"})
    assert response.status_code == 400
    assert str(WRONG_ENROLMENT_CODE).encode() in response.content.replace(b"&#x27;", b"'")
    assert not TOTPDevice.objects.filter(user=principal, confirmed=True).exists()
    assert "_auth_user_id" not in client.session


def test_the_code_from_the_app_signs_the_administrator_in_and_lands_on_the_admin(client, principal):
    authenticator_give(principal)
    sign_in(client, principal.username)
    response = client.post("/accounts/second-factor/", {"code": second_factor_code(principal)})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_page_asked_for_is_where_the_code_step_leads(client, principal):
    authenticator_give(principal)
    sign_in(client, principal.username, next_url="/admin/completion/")
    response = client.post("/accounts/second-factor/", {"code": second_factor_code(principal)})
    assert response["Location"] == "/admin/completion/"


def test_a_wrong_code_is_refused_with_a_clear_message(client, principal):
    authenticator_give(principal)
    sign_in(client, principal.username)
    response = client.post("/accounts/second-factor/", {"code": "123 456"})
    assert response.status_code == 400
    assert str(WRONG_CODE).encode() in response.content
    assert "_auth_user_id" not in client.session
    empty = client.post("/accounts/second-factor/", {"code": ""})
    assert empty.status_code == 400 and b"Type the 6-digit code" in empty.content


def test_a_code_already_used_does_not_work_a_second_time(client, principal):
    authenticator_give(principal)
    code = second_factor_code(principal)
    sign_in(client, principal.username)
    assert client.post("/accounts/second-factor/", {"code": code}).status_code == 302
    other = Client()
    sign_in(other, principal.username)
    assert other.post("/accounts/second-factor/", {"code": code}).status_code == 400


def test_a_recovery_code_works_once(client, principal):
    from eupsite.second_factor import recovery_codes_replace

    authenticator_give(principal)
    codes = recovery_codes_replace(user=principal)
    sign_in(client, principal.username)
    response = client.post("/accounts/second-factor/", {"code": codes[0].upper()}, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    assert b"9 remain" in response.content
    assert StaticToken.objects.filter(device__user=principal).count() == 9

    again = Client()
    sign_in(again, principal.username)
    refused = again.post("/accounts/second-factor/", {"code": codes[0]})
    assert refused.status_code == 400 and "_auth_user_id" not in again.session


def test_wagtails_own_sign_in_page_leads_to_the_site_sign_in(client, principal):
    response = client.get("/admin/login/?next=/admin/reports/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/reports/"
    assert client.get("/admin/")["Location"].startswith("/accounts/login/")


def test_a_session_signed_in_another_way_must_pass_the_code_before_any_page(
    client, principal, course
):
    # As after an invitation link or a printed sign-in code: signed in, never verified.
    authenticator_give(principal)
    client.force_login(principal)
    for url in ("/admin/", "/admin/completion/", "/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/second-factor/?next="), url
    response = client.post(
        "/accounts/second-factor/?next=/admin/completion/", {"code": second_factor_code(principal)}
    )
    assert response["Location"] == "/admin/completion/"
    assert client.get("/admin/").status_code == 200


def test_the_code_step_never_sends_people_to_another_site(client, principal):
    authenticator_give(principal)
    client.force_login(principal)
    response = client.post(
        "/accounts/second-factor/?next=https://evil.example/",
        {"code": second_factor_code(principal)},
    )
    assert response["Location"] == "/admin/"


def test_a_learner_signs_in_with_a_password_alone(client, learner, course):
    response = sign_in(client, learner.username, password=LEARNER_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert not TOTPDevice.objects.filter(user=learner).exists()
    assert client.get("/accounts/second-factor/")["Location"] == "/"


def test_the_code_step_without_a_password_first_sends_back_to_sign_in(client, db):
    response = client.get("/accounts/second-factor/")
    assert response["Location"] == "/accounts/login/"
    assert client.post("/accounts/second-factor/", {"code": "123456"}).status_code == 302


def test_wrong_codes_are_limited_per_account_and_never_answer_500(client, principal, settings):
    settings.SECOND_FACTOR_FAILURES_PER_ACCOUNT = "3/5m"
    authenticator_give(principal)
    sign_in(client, principal.username)
    for _ in range(3):
        assert client.post("/accounts/second-factor/", {"code": "000000"}).status_code == 400
    limited = client.post("/accounts/second-factor/", {"code": second_factor_code(principal)})
    assert limited.status_code == 429
    assert b"Too many wrong codes" in limited.content
    assert "_auth_user_id" not in client.session
    odd = client.post("/accounts/second-factor/", {"code": "x" * 500})
    assert odd.status_code in (400, 429)


def test_an_administrator_sees_and_replaces_their_recovery_codes(client, principal):
    from eupsite.second_factor import recovery_codes_replace

    old = recovery_codes_replace(user=principal)
    login_verified(client, principal)
    page = client.get("/accounts/second-factor/recovery-codes/")
    assert b"You have 10 unused recovery codes left." in page.content
    new = client.post("/accounts/second-factor/recovery-codes/")
    shown = re.findall(rb"<li><code>([a-z2-7]+)</code></li>", new.content)
    assert len(shown) == 10 and not set(shown) & {c.encode() for c in old}
    assert set(
        StaticToken.objects.filter(device__user=principal).values_list("token", flat=True)
    ) == {c.decode() for c in shown}
    account = client.get("/admin/account/")
    assert b"/accounts/second-factor/recovery-codes/" in account.content


def test_a_district_administrator_resets_a_lost_phone_with_an_audit_entry(client, principal):
    office = make_user("office@school.example")
    office.groups.add(Group.objects.get(name=DISTRICT))
    authenticator_give(principal)
    login_verified(client, office)
    listing = client.get("/admin/second-factor/")
    assert listing.status_code == 200 and b"principal@school.example" in listing.content
    response = client.post(f"/admin/second-factor/{principal.pk}/reset/", follow=True)
    assert b"they set up a new authenticator app" in response.content
    assert not TOTPDevice.objects.filter(user=principal).exists()
    entry = ModelLogEntry.objects.get(action=RESET_ACTION)
    assert entry.user_id == office.pk and entry.object_id == str(principal.pk)

    # The person then sets up a new authenticator at the next sign-in.
    again = Client()
    sign_in(again, principal.username)
    assert again.get("/accounts/second-factor/")["Location"].startswith(
        "/accounts/second-factor/set-up/"
    )


def test_only_district_administrators_reset_second_factors(client, principal):
    hr = make_user("hr@school.example")
    hr.groups.add(Group.objects.get(name=HR))
    authenticator_give(principal)
    login_verified(client, hr)
    # Wagtail turns "permission denied" into a redirect to the admin home with a message.
    assert client.get("/admin/second-factor/")["Location"] == "/admin/"
    assert client.post(f"/admin/second-factor/{principal.pk}/reset/")["Location"] == "/admin/"
    assert TOTPDevice.objects.filter(user=principal).exists()
    assert b"/admin/second-factor/" not in client.get("/admin/").content


def test_a_reset_ends_the_verified_sessions_made_with_the_old_authenticator(client, principal):
    from eupsite.second_factor import second_factor_reset

    login_verified(client, principal)
    assert client.get("/admin/").status_code == 200
    second_factor_reset(user=principal, by=principal)
    assert client.get("/admin/")["Location"].startswith("/accounts/second-factor/")


def test_the_set_up_page_draws_its_qr_code_under_the_sites_policy(client, principal):
    sign_in(client, principal.username)
    page = client.get("/accounts/second-factor/set-up/")
    policy = page["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy
        and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert b"<script" not in page.content and b"<img" not in page.content
    assert b"<svg" in page.content


def test_the_demo_administrators_share_the_documented_key(db):
    from django.core.management import call_command

    from eupsite.demo import DEMO_TOTP_KEY, demo_accounts_ensure

    call_command("setup_admin_groups", verbosity=0)
    demo_accounts_ensure()
    keys = dict(TOTPDevice.objects.values_list("user__username", "key"))
    for username in (
        "hr@example.org",
        "admin@example.org",
        "principal@example.org",
        "editor@example.org",
        "it@example.org",
    ):
        assert keys[username] == DEMO_TOTP_KEY
    assert "learner@example.org" not in keys


def test_a_learner_sent_to_the_admin_lands_on_the_course_with_a_message(client, learner, course):
    client.force_login(learner)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert b"You do not have permission to access the admin." in response.content
