"""HR's work on staff members in chromium, as the demo HR account (not a superuser): add a
custodian by hand choosing the location with Wagtail's chooser, deactivate a colleague, print
a sheet of sign-in codes; then, in a browser of their own, the custodian signs in with
employee id and code, chooses a password and reaches the course.

Set BROWSER_SCREENSHOTS=/some/folder to keep a screenshot of each screen."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from staff.models import Assignment, SignInCodeSheet, Staff

from .conftest import serious_axe_violations, watch_context
from .test_admin_menus_e2e import sign_in

CUSTODIAN_PASSWORD = "mop-bucket-sunrise-42"  # noqa: S105 (a test account)


@pytest.fixture
def demo_accounts(live_course):
    """The demo accounts and demo staff of `make run`, committed for the live server."""
    from eupsite.demo import demo_accounts_ensure, demo_staff_ensure

    demo_accounts_ensure()
    demo_staff_ensure()


@pytest.fixture
def shot(tmp_path):
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        page.screenshot(path=str(folder / f"hr-{name}.png"), full_page=True)

    return take


def test_hr_adds_a_custodian_deactivates_a_colleague_and_prints_sign_in_codes(
    page,
    live_server,
    demo_accounts,
    browser,
    shot,
):
    sign_in(page, live_server, "HR")
    expect(page).to_have_url(f"{live_server.url}/admin/")

    # Add a custodian by hand, choosing the location with Wagtail's chooser.
    page.goto(f"{live_server.url}/admin/snippets/staff/staff/")
    page.get_by_role("link", name="Add staff member").click()
    page.get_by_role("textbox", name="Employee id").fill("C-7001")
    page.get_by_role("textbox", name="First name").fill("Ana")
    page.get_by_role("textbox", name="Last name").fill("Núñez-O'Brien")
    page.get_by_role("textbox", name="Job title").fill("Custodian")
    page.get_by_role("textbox", name="Hire date").fill("2019-08-26")
    page.get_by_role("button", name="Choose location").click()
    chooser = page.get_by_role("dialog")
    chooser.get_by_placeholder("Search locations").fill("river")
    expect(chooser.get_by_role("link", name="Maple Street Elementary School")).to_have_count(0)
    chooser.get_by_role("link", name="Riverside High School").click()
    expect(chooser).to_be_hidden()
    expect(page.locator(".modal-backdrop")).to_have_count(0)
    expect(page.locator("#id_location-title")).to_have_text("Riverside High School")
    shot(page, "1-add-staff-member")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Staff member 'Ana Núñez-O'Brien (C-7001)' created.")).to_be_visible()
    ana_row = page.get_by_role("row").filter(has_text="C-7001")
    expect(ana_row).to_contain_text("none")  # no work e-mail
    expect(ana_row).to_contain_text("Yes")
    expect(ana_row).to_contain_text("needs a printed sign-in code")
    shot(page, "2-staff-listing")
    ana = Staff.objects.select_related("user", "location").get(employee_id="C-7001")
    assert ana.location.name == "Riverside High School"
    assert ana.user.username == "C-7001" and not ana.user.is_active
    assert Assignment.objects.filter(staff=ana).count() == 1

    # Deactivate a colleague from the listing, after a confirmation that says what happens.
    page.get_by_role("button", name="More options for 'Sean D'Amico (D-2002)'").click()
    page.get_by_role("link", name="Deactivate Sean D'Amico (D-2002)").click()
    expect(page.get_by_text("They can no longer sign in")).to_be_visible()
    shot(page, "3-deactivate-confirmation")
    page.get_by_role("button", name="Yes, deactivate").click()
    expect(page.get_by_text("1 staff member deactivated")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="D-2002")).to_contain_text("Deactivated")
    sean = Staff.objects.select_related("user").get(employee_id="D-2002")
    assert not sean.is_active and not sean.user.is_active

    # Print the sign-in codes of Riverside High School.
    page.get_by_role("link", name="Print sign-in codes").click()
    page.get_by_label("Location").select_option(label="Riverside High School")
    only_without_email = "Staff without a work e-mail who have not set a password"
    expect(page.get_by_label(only_without_email)).to_be_checked()
    shot(page, "4-sign-in-sheet-form")
    page.get_by_role("button", name="Print the sheet").click()
    card = page.locator(".card").filter(has_text="Ana Núñez-O'Brien")
    expect(card).to_contain_text("C-7001")
    expect(card).to_contain_text("Riverside High School")
    expect(card).to_contain_text(f"{live_server.url}/accounts/sign-in-code/")
    expect(card).to_contain_text(re.compile(r"Use it by\s*[A-Z][a-z]{2} \d{1,2}, \d{4}"))
    expect(page.locator(".card")).to_have_count(1)  # the others at Riverside have e-mail
    code = card.locator(".card-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert serious_axe_violations(page) == []
    shot(page, "5-sign-in-sheet")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(card).to_be_visible()
    shot(page, "6-sign-in-sheet-printed")
    page.emulate_media(media="screen")
    sheet = SignInCodeSheet.objects.get()
    assert sheet.printed_by.username == "hr@example.org"

    # The custodian, in a browser of their own, signs in with employee id and code.
    context = browser.new_context(viewport={"width": 420, "height": 900})
    problems = watch_context(context)
    problems.allow_status("/accounts/sign-in-code/", 400)
    custodian = context.new_page()
    custodian.set_default_timeout(15_000)
    custodian.goto(f"{live_server.url}/accounts/login/")
    custodian.get_by_role("link", name=re.compile("No work e-mail")).click()
    custodian.get_by_label("Employee id").fill("C-7001")
    custodian.get_by_label("Sign-in code").fill("ABCD-EFGH")
    custodian.get_by_role("button", name="Continue").click()
    expect(custodian.get_by_role("alert")).to_contain_text("do not match")
    shot(custodian, "7-wrong-code")
    custodian.get_by_label("Sign-in code").fill(code.lower())
    custodian.get_by_role("button", name="Continue").click()
    expect(custodian.get_by_role("heading", name="Choose your password")).to_be_visible()
    shot(custodian, "8-choose-password")
    custodian.get_by_label("New password", exact=True).fill(CUSTODIAN_PASSWORD)
    custodian.get_by_label("New password confirmation").fill(CUSTODIAN_PASSWORD)
    custodian.get_by_role("button", name="Set my password and sign in").click()
    expect(custodian).to_have_url(f"{live_server.url}/")
    expect(custodian.get_by_text("Your password is set.")).to_be_visible()
    expect(custodian.get_by_role("heading", name="Your training for", exact=False)).to_be_visible()
    shot(custodian, "9-course")

    # From now on: employee id and password on the usual sign-in page.
    custodian.get_by_role("button", name="Sign out").click()
    custodian.goto(f"{live_server.url}/accounts/login/")
    custodian.get_by_label("Work e-mail or employee id").fill("C-7001")
    custodian.get_by_label("Password").fill(CUSTODIAN_PASSWORD)
    custodian.get_by_role("button", name="Sign in").click()
    expect(custodian).to_have_url(f"{live_server.url}/")
    expect(custodian.get_by_text("Ana Núñez-O'Brien")).to_be_visible()
    context.close()
    assert problems.problems == []
