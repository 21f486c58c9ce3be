"""A district administrator's first sign-in: the password, then setting up an authenticator app
(QR code, or the key written out), a wrong code, the right one, the recovery codes shown once,
the admin dashboard; then a later sign-in with a recovery code, and the reset page."""

import os
import re
from base64 import b32decode
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from staff.groups import DISTRICT, LOCATION
from tests.conftest import make_user
from tests.helpers import authenticator_give, totp_code

from .conftest import serious_axe_violations

PASSWORD = "district-password-1"


@pytest.fixture
def shot(tmp_path):
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        page.screenshot(path=str(folder / f"second-factor-{name}.png"), full_page=True)

    return take


def sign_in_with_password(page, base_url: str, username: str):
    page.goto(f"{base_url}/admin/")
    page.get_by_label("Work e-mail or employee id").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_district_administrator_sets_up_the_second_step_and_reaches_the_admin(
    page, live_server, live_course, shot
):
    office = make_user("office@district.example", password=PASSWORD, first_name="Olga")
    office.groups.add(Group.objects.get(name=DISTRICT))
    principal = make_user("principal@district.example", password=PASSWORD, first_name="Pat")
    principal.groups.add(Group.objects.get(name=LOCATION))
    authenticator_give(principal)

    page.problems.allow_status("/accounts/second-factor/set-up/", 400)  # the wrong code
    sign_in_with_password(page, live_server.url, office.username)
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert serious_axe_violations(page) == []
    shot(page, "1-set-up")

    # A keyboard or screen-reader user types the key instead of scanning the QR code.
    written = page.locator("#secret-key code").inner_text().replace(" ", "")
    key = b32decode(written + "=" * (-len(written) % 8)).hex()

    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right.")
    shot(page, "2-wrong-code")

    page.get_by_label("Code from the app").fill(totp_code(key))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your authenticator app is set up")).to_be_visible()
    expect(page.get_by_text("Keep these codes now")).to_be_visible()
    codes = page.get_by_role("list", name="Your recovery codes").locator("code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8,}", code) for code in codes)
    assert serious_axe_violations(page) == []
    shot(page, "3-recovery-codes")

    page.get_by_role("link", name="I have kept my codes: continue").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.get_by_role("button", name="Olga")).to_be_visible()
    shot(page, "4-admin-dashboard")

    # The reset page: the principal who lost a phone is set free.
    page.goto(f"{live_server.url}/admin/second-factor/")
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    shot(page, "5-reset-page")
    page.get_by_role("button", name=f"Reset the second step of {principal.username}").click()
    expect(page.get_by_text("The second step of Pat is reset")).to_be_visible()
    shot(page, "6-reset-done")

    # Later, without the phone: a recovery code, once.
    page.context.clear_cookies()  # a new day, a new browser session
    sign_in_with_password(page, live_server.url, office.username)
    expect(
        page.get_by_role("heading", name="Type the code from your authenticator app")
    ).to_be_visible()
    assert serious_axe_violations(page) == []
    shot(page, "7-code-step")
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("You signed in with a recovery code; 9 remain.")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/admin/")
    shot(page, "8-signed-in-with-a-recovery-code")
