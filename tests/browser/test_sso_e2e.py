"""A learner signs in with Google (the test OpenID provider on 127.0.0.1, with its own login
form) from the sign-in page, by keyboard, and lands on the course; someone not on the roster is
turned away with whom to contact."""

import os
import re

from playwright.sync_api import expect

from eupsite.settings.base import sso_providers
from tests.sso.fixtures import HR_CONTACT, sso_environment

from .conftest import serious_axe_violations, tab_to


def screenshot(page, name):
    """Screenshots for a person to look at, when SCREENSHOT_DIR names a folder."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def configure(settings, provider_url):
    # The demo district's staff have example.org addresses: that is the Google domain here.
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(
        sso_environment(provider_url, SSO_GOOGLE_DOMAIN="example.org")
    )
    settings.DISTRICT_HR_CONTACT = HR_CONTACT


def test_a_learner_signs_in_with_google_by_keyboard_and_lands_on_the_course(
    page, live_server, demo_site, oidc_provider, settings
):
    configure(settings, oidc_provider.url)
    oidc_provider.accounts(
        {
            "google-maria": {
                "email": "learner@example.org",
                "email_verified": True,
                "hd": "example.org",
                "name": "María O'Neil-Núñez",
            }
        }
    )
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("button", name="Sign in with Google")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in with Microsoft")).to_be_visible()
    assert serious_axe_violations(page) == []
    screenshot(page, "sso-sign-in-page")

    tab_to(page, "Sign in with Google")
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    screenshot(page, "sso-provider-login")
    page.get_by_label("Account").fill("google-maria")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Electronic Use Policies")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_text("María O'Neil-Núñez").first).to_be_visible()
    screenshot(page, "sso-landed-on-the-course")


def test_someone_not_on_the_roster_is_turned_away_with_whom_to_contact(
    page, live_server, demo_site, oidc_provider, settings
):
    configure(settings, oidc_provider.url)
    oidc_provider.accounts(
        {
            "google-visitor": {
                "email": "visitor@example.org",
                "email_verified": True,
                "hd": "example.org",
            }
        }
    )
    page.problems.allow_status("/accounts/sso/google/login/callback/", 403)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in with Google").click()
    page.get_by_label("Account").fill("google-visitor")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You are not on the staff roster")
    expect(page.get_by_role("alert")).to_contain_text(f"contact {HR_CONTACT}")
    assert serious_axe_violations(page) == []
    screenshot(page, "sso-not-on-the-roster")
