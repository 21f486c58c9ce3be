"""Single sign-on against a real OpenID provider on 127.0.0.1 (tests/sso/provider.mjs): the
authorization-code flow with PKCE, state, nonce and the ID token's signature, and the district's
rules for matching a sign-in to an active staff member."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from eupsite.settings.base import sso_providers
from staff.models import Staff
from staff.services import staff_set_active
from tests.sso.fixtures import GOOGLE_DOMAIN, HR_CONTACT, MICROSOFT_TENANT, sso_environment
from tests.sso.flow import (
    forget_provider_session,
    is_signed_in,
    press_sign_in_with,
    roster_member,
    sign_in,
    sign_in_at_provider,
)

JAMAL = "jamal.carter@district.example.org"


@pytest.fixture
def site(live_server, transactional_db, sso_settings) -> str:
    return live_server.url


@pytest.fixture
def browser_session():
    with requests.Session() as session:
        yield session


def google_account(email=JAMAL, **claims) -> dict:
    return {"email": email, "email_verified": True, "hd": GOOGLE_DOMAIN, **claims}


def entra_account(email=JAMAL, **claims) -> dict:
    return {"email": email, "tid": MICROSOFT_TENANT, **claims}


def assert_refused(response, status: int, *texts: str):
    assert response.status_code == status, response.text
    for text in texts:
        assert text in response.text


# --- the flow ---------------------------------------------------------------------------------


def test_google_sign_in_runs_the_code_flow_with_pkce_and_a_nonce_and_links_the_staff_member(
    site, browser_session, oidc_provider
):
    staff = roster_member(JAMAL, "E-1001")
    oidc_provider.accounts({"google-sub-1": google_account()})

    started = sign_in_at_provider(browser_session, site, oidc_provider.url, "google-sub-1")
    params = started.authorization_params
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) >= 43
    assert params["nonce"] and params["state"] and params["hd"] == GOOGLE_DOMAIN
    assert set(params["scope"].split()) == {"openid", "profile", "email"}
    landed = browser_session.get(started.callback_url, allow_redirects=False, timeout=10)

    assert landed.status_code == 302 and landed.headers["Location"] == "/"
    assert is_signed_in(browser_session, site)
    staff.refresh_from_db()
    assert staff.user.is_active and not staff.user.has_usable_password()
    account = SocialAccount.objects.get(user=staff.user)
    assert (account.provider, account.uid) == ("google", f"{oidc_provider.url}#google-sub-1")


def test_a_staff_member_without_a_login_account_gets_one_named_as_the_roster_names_it(
    site, browser_session, oidc_provider
):
    staff = roster_member(JAMAL, "E-1001", with_account=False)
    oidc_provider.accounts({"google-sub-1": google_account()})

    landed = sign_in(browser_session, site, oidc_provider.url, "google-sub-1")

    assert landed.status_code == 302
    staff.refresh_from_db()
    assert staff.user.username == JAMAL and staff.user.is_active


def test_a_signed_in_person_cannot_link_someone_elses_provider_account_to_theirs(
    site, browser_session, oidc_provider
):
    """allauth's "connect" process would link the provider account to whoever is signed in,
    around the roster rules: a sign-in is always a sign-in."""
    jamal = roster_member(JAMAL, "E-1001")
    zoe = roster_member("zoe.lefevre@district.example.org", "E-1002", first_name="Zoé")
    oidc_provider.accounts(
        {"google-sub-1": google_account(), "google-sub-2": google_account(email=zoe.email)}
    )
    assert sign_in(browser_session, site, oidc_provider.url, "google-sub-1").status_code == 302
    forget_provider_session(browser_session)

    started = sign_in_at_provider(
        browser_session, site, oidc_provider.url, "google-sub-2", process="connect"
    )
    landed = browser_session.get(started.callback_url, allow_redirects=False, timeout=10)

    assert landed.status_code == 302 and landed.headers["Location"] == "/"
    jamal.refresh_from_db()
    zoe.refresh_from_db()
    assert {a.user for a in SocialAccount.objects.all()} == {jamal.user, zoe.user}
    assert SocialAccount.objects.get(uid__endswith="#google-sub-2").user == zoe.user


def test_a_forged_state_is_refused_and_signs_no_one_in(site, browser_session, oidc_provider):
    roster_member(JAMAL, "E-1001")
    oidc_provider.accounts({"google-sub-1": google_account()})
    started = sign_in_at_provider(browser_session, site, oidc_provider.url, "google-sub-1")
    url = urlsplit(started.callback_url)
    query = {k: v[0] for k, v in parse_qs(url.query).items()} | {"state": "forged-state-value"}

    answer = browser_session.get(urlunsplit(url._replace(query=urlencode(query))), timeout=10)

    assert_refused(answer, 401, "The sign-in could not be completed")
    assert not is_signed_in(browser_session, site)
    assert not SocialAccount.objects.exists()


def test_a_replayed_callback_is_refused(site, browser_session, oidc_provider):
    roster_member(JAMAL, "E-1001")
    oidc_provider.accounts({"google-sub-1": google_account()})
    started = sign_in_at_provider(browser_session, site, oidc_provider.url, "google-sub-1")
    assert browser_session.get(started.callback_url, allow_redirects=False).status_code == 302
    browser_session.post(f"{site}/accounts/logout/", data={}, timeout=10)
    # An attacker replaying the same answer, in a fresh browser or the same one.
    with requests.Session() as attacker:
        assert_refused(attacker.get(started.callback_url, timeout=10), 401)
    assert_refused(browser_session.get(started.callback_url, timeout=10), 401)


@pytest.mark.parametrize(
    "misbehaviour", ["wrong_nonce", "wrong_audience", "expired", "bad_signature"]
)
def test_an_id_token_that_cannot_be_trusted_is_refused(
    site, browser_session, oidc_provider, misbehaviour
):
    staff = roster_member(JAMAL, "E-1001")
    oidc_provider.accounts({"google-sub-1": google_account()})
    oidc_provider.misbehave(misbehaviour)

    answer = sign_in(browser_session, site, oidc_provider.url, "google-sub-1")

    assert_refused(answer, 401, "The sign-in could not be completed", "Start again")
    assert not is_signed_in(browser_session, site)
    assert not SocialAccount.objects.exists()
    staff.refresh_from_db()
    assert not staff.user.is_active


# --- Google's rules ---------------------------------------------------------------------------


def test_a_google_e_mail_the_provider_has_not_verified_is_refused(
    site, browser_session, oidc_provider
):
    staff = roster_member(JAMAL, "E-1001")
    oidc_provider.accounts({"google-sub-1": google_account(email_verified=False)})

    answer = sign_in(browser_session, site, oidc_provider.url, "google-sub-1")

    assert_refused(answer, 403, "Your work e-mail could not be confirmed", HR_CONTACT)
    staff.refresh_from_db()
    assert not staff.user.is_active and not SocialAccount.objects.exists()


@pytest.mark.parametrize("hd", ["gmail-lookalike.example", None])
def test_a_google_account_outside_the_district_domain_is_refused(
    site, browser_session, oidc_provider, hd
):
    roster_member(JAMAL, "E-1001")
    claims = google_account()
    if hd is None:
        del claims["hd"]  # a consumer Google account carries no hd
    else:
        claims["hd"] = hd
    oidc_provider.accounts({"google-sub-1": claims})

    answer = sign_in(browser_session, site, oidc_provider.url, "google-sub-1")

    assert_refused(answer, 403, "This is not a district account")
    assert not SocialAccount.objects.exists()


# --- Entra's rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "verified",
    [
        {"xms_edov": True},
        {"verified_primary_email": [JAMAL]},
        {"verified_secondary_email": ["old@district.example.org", JAMAL]},
    ],
    ids=["xms_edov", "verified_primary_email", "verified_secondary_email"],
)
def test_entra_sign_in_needs_the_district_tenant_and_a_verified_domain_claim(
    site, browser_session, oidc_provider, verified
):
    staff = roster_member(JAMAL, "E-1001")
    oidc_provider.accounts({"entra-sub-1": entra_account(**verified)})

    landed = sign_in(browser_session, site, oidc_provider.url, "entra-sub-1", "microsoft")

    assert landed.status_code == 302
    staff.refresh_from_db()
    assert SocialAccount.objects.get(user=staff.user).provider == "microsoft"


def test_entra_email_claim_alone_is_not_trusted_the_noauth_takeover(
    site, browser_session, oidc_provider
):
    """Entra's `email` claim is editable by the account's owner in some tenants: with no
    verified-domain claim it must not match anyone."""
    staff = roster_member(JAMAL, "E-1001")
    oidc_provider.accounts(
        {
            "entra-sub-1": entra_account(
                email_verified=True,
                xms_edov=False,
                verified_primary_email=["someone.else@district.example.org"],
            )
        }
    )

    answer = sign_in(browser_session, site, oidc_provider.url, "entra-sub-1", "microsoft")

    assert_refused(answer, 403, "Your work e-mail could not be confirmed")
    staff.refresh_from_db()
    assert not staff.user.is_active and not SocialAccount.objects.exists()


def test_an_entra_account_from_another_tenant_is_refused(site, browser_session, oidc_provider):
    roster_member(JAMAL, "E-1001")
    oidc_provider.accounts(
        {"entra-sub-1": entra_account(tid="another-organisations-tenant", xms_edov=True)}
    )

    answer = sign_in(browser_session, site, oidc_provider.url, "entra-sub-1", "microsoft")

    assert_refused(answer, 403, "This is not a district account")
    assert not SocialAccount.objects.exists()


# --- the roster -------------------------------------------------------------------------------


def test_someone_not_on_the_roster_is_told_whom_to_contact_and_no_account_is_made(
    site, browser_session, oidc_provider
):
    roster_member(JAMAL, "E-1001")
    oidc_provider.accounts({"google-sub-9": google_account(email="visitor@district.example.org")})
    users_before = get_user_model().objects.count()

    answer = sign_in(browser_session, site, oidc_provider.url, "google-sub-9")

    assert_refused(answer, 403, "You are not on the staff roster", f"contact {HR_CONTACT}")
    assert get_user_model().objects.count() == users_before
    assert not SocialAccount.objects.exists()
    assert not is_signed_in(browser_session, site)


def test_deactivated_staff_cannot_sign_in_the_first_time_or_after_linking(site, oidc_provider):
    staff = roster_member(JAMAL, "E-1001")
    oidc_provider.accounts({"google-sub-1": google_account()})
    with requests.Session() as first:
        assert sign_in(first, site, oidc_provider.url, "google-sub-1").status_code == 302

    staff_set_active(staff_ids=[staff.pk], active=False)
    with requests.Session() as later:
        answer = sign_in(later, site, oidc_provider.url, "google-sub-1")
        assert_refused(answer, 403, "Your training account is closed", HR_CONTACT)
        assert not is_signed_in(later, site)

    other = roster_member("zoe.lefevre@district.example.org", "E-1002", is_active=False)
    oidc_provider.accounts({"google-sub-2": google_account(email=other.email)})
    with requests.Session() as never_linked:
        answer = sign_in(never_linked, site, oidc_provider.url, "google-sub-2")
        assert_refused(answer, 403, "Your training account is closed")
    assert not SocialAccount.objects.filter(user__staff=other).exists()


def test_after_the_first_sign_in_issuer_and_subject_decide_not_the_e_mail(site, oidc_provider):
    jamal = roster_member(JAMAL, "E-1001")
    zoe = roster_member("zoe.lefevre@district.example.org", "E-1002", first_name="Zoé")
    oidc_provider.accounts({"google-sub-1": google_account()})
    with requests.Session() as first:
        assert sign_in(first, site, oidc_provider.url, "google-sub-1").status_code == 302

    # At the identity provider, Jamal's account now carries Zoé's address.
    oidc_provider.accounts({"google-sub-1": google_account(email=zoe.email)})
    with requests.Session() as again:
        assert sign_in(again, site, oidc_provider.url, "google-sub-1").status_code == 302
        signed_in_as = again.get(f"{site}/accounts/login/", timeout=10)
    jamal.refresh_from_db()
    zoe.refresh_from_db()
    assert SocialAccount.objects.get().user == jamal.user
    assert not zoe.user.is_active  # Zoé's own account was never signed in
    assert signed_in_as.is_redirect or "Jamal" in signed_in_as.text


def test_the_employee_id_claim_matches_when_the_district_configures_one(
    site, browser_session, oidc_provider, settings
):
    settings.SSO_EMPLOYEE_ID_CLAIM = "employee_id"
    staff = roster_member("", "D-1004", first_name="Tomás")  # custodian: no work e-mail
    oidc_provider.accounts(
        {"google-sub-4": google_account(email="tomas.r@district.example.org", employee_id="D-1004")}
    )

    landed = sign_in(browser_session, site, oidc_provider.url, "google-sub-4")

    assert landed.status_code == 302
    staff.refresh_from_db()
    assert staff.user.username == "D-1004" and staff.user.is_active


def test_without_the_setting_an_employee_id_claim_matches_no_one(
    site, browser_session, oidc_provider
):
    roster_member("", "D-1004")
    oidc_provider.accounts(
        {"google-sub-4": google_account(email="tomas.r@district.example.org", employee_id="D-1004")}
    )

    answer = sign_in(browser_session, site, oidc_provider.url, "google-sub-4")

    assert_refused(answer, 403, "You are not on the staff roster")


# --- the provider failing ---------------------------------------------------------------------


def closed_port_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_provider_that_does_not_answer_gives_a_clear_page_not_a_server_error(
    site, browser_session, settings
):
    down = closed_port_url()
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(sso_environment(down))

    answer = press_sign_in_with(browser_session, site, "google")

    assert_refused(answer, 503, "The sign-in service is not answering", "Try again")


def test_a_provider_that_goes_down_before_the_callback_gives_a_clear_page(
    site, browser_session, oidc_provider, settings
):
    roster_member(JAMAL, "E-1001")
    oidc_provider.accounts({"google-sub-1": google_account()})
    started = sign_in_at_provider(browser_session, site, oidc_provider.url, "google-sub-1")
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(sso_environment(closed_port_url()))

    answer = browser_session.get(started.callback_url, timeout=10)

    assert_refused(answer, 503, "The sign-in service is not answering")
    assert not SocialAccount.objects.exists()


def test_a_refused_token_exchange_gives_a_clear_page(
    site, browser_session, oidc_provider, settings
):
    roster_member(JAMAL, "E-1001")
    oidc_provider.accounts({"google-sub-1": google_account()})
    env = sso_environment(oidc_provider.url, SSO_GOOGLE_CLIENT_SECRET="a-wrong-secret")
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(env)

    answer = sign_in(browser_session, site, oidc_provider.url, "google-sub-1")

    assert_refused(answer, 401, "The sign-in could not be completed")
    assert not Staff.objects.get().user.is_active


# --- administrators ---------------------------------------------------------------------------


def hr_administrator(email: str, employee_id: str) -> Staff:
    from django.contrib.auth.models import Group

    from staff.groups import HR
    from tests.helpers import restore_migration_data

    restore_migration_data()
    staff = roster_member(email, employee_id)
    staff.user.groups.add(Group.objects.get(name=HR))
    return staff


def test_an_administrator_signed_in_by_the_provider_is_not_asked_for_our_code_too(
    site, browser_session, oidc_provider
):
    hr_administrator(JAMAL, "E-1001")
    oidc_provider.accounts({"google-sub-1": google_account()})

    landed = sign_in(browser_session, site, oidc_provider.url, "google-sub-1")

    assert landed.status_code == 302 and landed.headers["Location"] == "/admin/"
    dashboard = browser_session.get(f"{site}/admin/", allow_redirects=False, timeout=10)
    assert dashboard.status_code == 200


def test_a_district_whose_provider_asks_no_second_factor_gets_ours_after_it(
    site, browser_session, oidc_provider, sso_settings
):
    sso_settings.SSO_COUNTS_AS_SECOND_FACTOR = False
    hr_administrator(JAMAL, "E-1001")
    oidc_provider.accounts({"google-sub-1": google_account()})

    landed = sign_in(browser_session, site, oidc_provider.url, "google-sub-1")

    assert landed.status_code == 302 and landed.headers["Location"] == "/admin/"
    dashboard = browser_session.get(f"{site}/admin/", allow_redirects=False, timeout=10)
    assert dashboard.status_code == 302
    assert dashboard.headers["Location"].startswith("/accounts/second-factor/")


def test_a_learner_signed_in_by_the_provider_never_meets_the_second_factor(
    site, browser_session, oidc_provider, sso_settings
):
    sso_settings.SSO_COUNTS_AS_SECOND_FACTOR = False
    roster_member(JAMAL, "E-1001")
    oidc_provider.accounts({"google-sub-1": google_account()})

    sign_in(browser_session, site, oidc_provider.url, "google-sub-1")

    policies = browser_session.get(f"{site}/policies/", allow_redirects=False, timeout=10)
    assert policies.status_code == 200
