"""The sign-in page's single sign-on buttons, the settings read from the environment, and the
allauth pages that must not be reachable. No identity provider is needed here."""

import re

import pytest

from eupsite.settings.base import sso_providers

GOOGLE_ONLY = {
    "SSO_GOOGLE_CLIENT_ID": "1234.apps.googleusercontent.com",
    "SSO_GOOGLE_CLIENT_SECRET": "google-secret",
    "SSO_GOOGLE_DOMAIN": "District.Example.org",
}
MICROSOFT_ONLY = {
    "SSO_MICROSOFT_CLIENT_ID": "entra-app",
    "SSO_MICROSOFT_CLIENT_SECRET": "entra-secret",
    "SSO_MICROSOFT_TENANT_ID": "6F2A3C1E-TENANT",
}


def apps(environ) -> dict:
    return {a["provider_id"]: a for a in sso_providers(environ)["openid_connect"]["APPS"]}


def test_providers_come_from_the_environment_with_the_real_issuers_by_default():
    configured = apps(GOOGLE_ONLY | MICROSOFT_ONLY)

    google, microsoft = configured["google"], configured["microsoft"]
    assert google["client_id"] == "1234.apps.googleusercontent.com"
    assert google["settings"]["server_url"] == "https://accounts.google.com"
    assert google["settings"]["district_domain"] == "district.example.org"
    assert google["settings"]["oauth_pkce_enabled"] is True
    assert microsoft["settings"]["server_url"] == (
        "https://login.microsoftonline.com/6f2a3c1e-tenant/v2.0"
    )
    assert microsoft["settings"]["district_tenant"] == "6f2a3c1e-tenant"


def test_an_issuer_can_be_overridden_and_a_provider_without_its_secret_is_not_configured():
    configured = apps(
        GOOGLE_ONLY
        | {"SSO_GOOGLE_ISSUER": "http://127.0.0.1:4455", "SSO_MICROSOFT_CLIENT_ID": "entra-app"}
    )

    assert list(configured) == ["google"]
    assert configured["google"]["settings"]["server_url"] == "http://127.0.0.1:4455"
    assert apps({}) == {}


def sso_forms(html: str) -> list[str]:
    return re.findall(r'<form method="post" action="(/accounts/sso/[^"]+)"', html)


@pytest.mark.parametrize(
    ("environ", "buttons"),
    [
        (GOOGLE_ONLY | MICROSOFT_ONLY, ["Sign in with Google", "Sign in with Microsoft"]),
        (GOOGLE_ONLY, ["Sign in with Google"]),
        (MICROSOFT_ONLY, ["Sign in with Microsoft"]),
        ({}, []),
    ],
)
def test_the_sign_in_page_shows_a_button_for_each_configured_provider_only(
    client, db, settings, environ, buttons
):
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(environ)

    html = client.get("/accounts/login/?next=/policies/").content.decode()

    assert re.findall(r"Sign in with (?:Google|Microsoft)", html) == buttons
    expected = [f"/accounts/sso/{b.split()[-1].lower()}/login/" for b in buttons]
    assert sso_forms(html) == expected
    if buttons:
        # Each button is a real submit button in its own POST form with the CSRF token and
        # where to go afterwards: it works without JavaScript and from the keyboard.
        form = html[html.index(expected[0]) : html.index("</form>", html.index(expected[0]))]
        assert 'name="csrfmiddlewaretoken"' in form
        assert '<button type="submit"' in form
        assert 'name="next" value="/policies/"' in form
    assert 'name="password"' in html  # the password sign-in stays


def test_starting_single_sign_on_needs_a_post_with_the_csrf_token(db, settings):
    from django.test import Client

    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(GOOGLE_ONLY)
    client = Client(enforce_csrf_checks=True)

    assert client.post("/accounts/sso/google/login/").status_code == 403
    confirm = client.get("/accounts/sso/google/login/")
    assert confirm.status_code == 200
    assert b"Continue to Google" in confirm.content and b'method="post"' in confirm.content


def test_an_unconfigured_provider_has_no_sign_in(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(GOOGLE_ONLY)

    assert client.post("/accounts/sso/microsoft/login/").status_code == 404
    assert client.get("/accounts/sso/microsoft/login/callback/?code=x&state=y").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/change/",
        "/accounts/email/",
        "/accounts/3rdparty/signup/",
        "/accounts/social/signup/",
        "/accounts/sso/signup/",
    ],
)
def test_allauths_own_account_pages_are_not_reachable(client, db, path):
    assert client.get(path).status_code == 404
