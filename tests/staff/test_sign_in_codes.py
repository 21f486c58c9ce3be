"""Staff without a work e-mail: HR prints one-time sign-in codes for a location; the person
signs in once with employee id and code, chooses a password, and from then on signs in with
employee id and password."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from staff.models import SignInCode, SignInCodeSheet, Staff
from staff.roster import roster_plan
from staff.services import (
    roster_apply,
    sign_in_code_expiry,
    sign_in_sheet_print,
    staff_set_active,
)
from staff.sign_in_codes import ALPHABET, code_hash, code_normalise
from tests.staff.test_roster_import import HEADER

from .conftest import LEARNER_PASSWORD, add_staff, give_password

SHEET_URL = "/admin/staff/sign-in-codes/"
CODE_URL = "/accounts/sign-in-code/"
PASSWORD_URL = "/accounts/sign-in-code/password/"
REFUSED = "That employee id and sign-in code do not match."
NEW_PASSWORD = "mop-bucket-sunrise-42"  # noqa: S105 (a test account)


@pytest.fixture(autouse=True)
def clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def custodian(riverside, cycle):
    return add_staff(riverside, "C-7001", "Ana", "Núñez-O'Brien", job_title="Custodian")


def print_codes(location, by, **options) -> dict[str, str]:
    """{employee id: code} of a freshly printed sheet."""
    _, printed = sign_in_sheet_print(location=location, printed_by=by, **options)
    return {card.staff.employee_id: card.code for card in printed}


def enter_code(client, employee_id, code):
    return client.post(CODE_URL, {"employee_id": employee_id, "code": code})


def choose_password(client, password=NEW_PASSWORD):
    return client.post(PASSWORD_URL, {"new_password1": password, "new_password2": password})


def test_a_custodian_signs_in_once_with_the_code_chooses_a_password_and_reaches_the_course(
    custodian, hr_user, course
):
    code = print_codes(custodian.location, hr_user)["C-7001"]
    client = Client()

    # Typed as people type it: lower case, a space for the hyphen.
    checked = enter_code(client, "C-7001", code.lower().replace("-", " "))
    assert checked.status_code == 302 and checked["Location"] == PASSWORD_URL
    page = client.get(PASSWORD_URL).content.decode()
    assert "Hello Ana Núñez-O&#x27;Brien" in page or "Hello Ana Núñez-O'Brien" in page
    assert SESSION_KEY not in client.session  # not signed in before the password is set

    done = choose_password(client)

    assert done.status_code == 302 and done["Location"] == "/"
    assert client.session[SESSION_KEY] == str(custodian.user.pk)
    custodian.user.refresh_from_db()
    assert custodian.user.is_active and custodian.user.check_password(NEW_PASSWORD)
    used = SignInCode.objects.get(staff=custodian)
    assert used.used_at is not None
    course = client.get("/")
    assert course.status_code == 200 and "Your training for" in course.content.decode()


def test_afterwards_they_sign_in_with_employee_id_and_password(custodian, hr_user):
    code = print_codes(custodian.location, hr_user)["C-7001"]
    client = Client()
    enter_code(client, "C-7001", code)
    choose_password(client)

    fresh = Client()
    page = fresh.get("/accounts/login/").content.decode()
    assert "Work e-mail or employee id" in page
    assert 'href="/accounts/sign-in-code/"' in page
    response = fresh.post("/accounts/login/", {"username": "C-7001", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert fresh.session[SESSION_KEY] == str(custodian.user.pk)


def test_staff_with_an_email_may_sign_in_with_their_employee_id_too(riverside):
    zoe = give_password(add_staff(riverside, "E100", "Zoë", "Lefèvre", "zoe@district.example"))
    client = Client()
    response = client.post("/accounts/login/", {"username": "E100", "password": LEARNER_PASSWORD})
    assert response.status_code == 302 and client.session[SESSION_KEY] == str(zoe.user.pk)


def test_wrong_passwords_by_employee_id_count_against_the_same_account(riverside):
    give_password(add_staff(riverside, "E100", "Zoë", "Lefèvre", "zoe@district.example"))
    client = Client()
    for _ in range(3):
        client.post("/accounts/login/", {"username": "E100", "password": "wrong"})
    for _ in range(2):
        client.post("/accounts/login/", {"username": "zoe@district.example", "password": "no"})
    locked = client.post("/accounts/login/", {"username": "E100", "password": LEARNER_PASSWORD})
    assert locked.status_code == 429


def test_codes_are_stored_only_as_keyed_hashes(custodian, hr_user):
    code = print_codes(custodian.location, hr_user)["C-7001"]

    row = SignInCode.objects.get(staff=custodian)
    assert code not in str(SignInCode.objects.filter(pk=row.pk).values().get())
    assert row.code_hash == code_hash(code) and len(row.code_hash) == 64
    assert code_normalise(code) == code and len(code) == 9
    assert all(ch in ALPHABET for ch in code.replace("-", ""))


def test_a_code_works_only_once(custodian, hr_user):
    code = print_codes(custodian.location, hr_user)["C-7001"]
    first = Client()
    enter_code(first, "C-7001", code)
    choose_password(first)

    again = enter_code(Client(), "C-7001", code)

    assert again.status_code == 400 and REFUSED in again.content.decode()


def test_two_tabs_cannot_both_use_a_code(custodian, hr_user):
    code = print_codes(custodian.location, hr_user)["C-7001"]
    one, two = Client(), Client()
    enter_code(one, "C-7001", code)
    enter_code(two, "C-7001", code)
    assert choose_password(one)["Location"] == "/"

    late = choose_password(two, "another-good-password-7")

    assert late["Location"] == CODE_URL
    custodian.user.refresh_from_db()
    assert custodian.user.check_password(NEW_PASSWORD)


def test_a_wrong_code_gets_one_clear_message_and_counts_against_the_code(custodian, hr_user):
    print_codes(custodian.location, hr_user)
    for typed_id, typed_code in [
        ("C-7001", "ABCD-EFGH"),  # wrong code
        ("C-9999", "ABCD-EFGH"),  # unknown employee id: the same message
        ("C-7001", "0000-1111"),  # cannot be a code at all
    ]:
        response = enter_code(Client(), typed_id, typed_code)
        assert response.status_code == 400
        assert REFUSED in response.content.decode()
    assert SignInCode.objects.get(staff=custodian).failed_attempts == 2


def test_a_code_stops_working_after_five_wrong_tries(custodian, hr_user, settings):
    code = print_codes(custodian.location, hr_user)["C-7001"]
    for _ in range(settings.SIGN_IN_CODE_MAX_FAILURES):
        enter_code(Client(), "C-7001", "ABCD-EFGH")

    right = enter_code(Client(), "C-7001", code)

    assert right.status_code == 400 and REFUSED in right.content.decode()


def test_the_code_page_is_rate_limited_per_address(custodian, hr_user, settings):
    settings.SIGN_IN_CODE_RATE_LIMIT = "3/m"
    code = print_codes(custodian.location, hr_user)["C-7001"]
    client = Client()
    statuses = [enter_code(client, "C-9999", "ABCD-EFGH").status_code for _ in range(3)]
    limited = enter_code(client, "C-7001", code)
    assert statuses == [400, 400, 400]
    assert limited.status_code == 429 and "Too many" in limited.content.decode()
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert enter_code(other_address, "C-7001", code).status_code == 302


def test_a_code_expires_at_the_end_of_the_last_day_printed_on_the_sheet(custodian, hr_user):
    new_york = ZoneInfo("America/New_York")
    # 11:30 p.m. in the district is already the next day in UTC.
    evening = datetime(2026, 12, 1, 23, 30, tzinfo=new_york)
    last_day, expires_at = sign_in_code_expiry(now=evening)
    assert last_day.isoformat() == "2026-12-15"
    assert expires_at == datetime(2026, 12, 16, 0, 0, tzinfo=new_york)

    code = print_codes(custodian.location, hr_user)["C-7001"]
    SignInCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = enter_code(Client(), "C-7001", code)
    assert expired.status_code == 400 and REFUSED in expired.content.decode()


def test_printing_a_new_sheet_replaces_the_earlier_code(custodian, hr_user):
    old = print_codes(custodian.location, hr_user)["C-7001"]
    new = print_codes(custodian.location, hr_user)["C-7001"]

    assert enter_code(Client(), "C-7001", old).status_code == 400
    assert enter_code(Client(), "C-7001", new).status_code == 302
    rows = SignInCode.objects.filter(staff=custodian).order_by("pk")
    assert [r.replaced_at is not None for r in rows] == [True, False]
    assert SignInCodeSheet.objects.count() == 2


def test_a_deactivated_staff_member_cannot_use_a_code(custodian, hr_user):
    code = print_codes(custodian.location, hr_user)["C-7001"]
    client = Client()
    enter_code(client, "C-7001", code)
    staff_set_active(staff_ids=[custodian.pk], active=False)

    assert choose_password(client)["Location"] == CODE_URL
    assert enter_code(Client(), "C-7001", code).status_code == 400
    custodian.user.refresh_from_db()
    assert not custodian.user.is_active and not custodian.user.has_usable_password()


def test_the_password_page_needs_a_checked_code_first(db):
    response = Client().get(PASSWORD_URL)
    assert response.status_code == 302 and response["Location"] == CODE_URL


def test_a_password_the_validators_refuse_is_explained_and_the_code_stays_usable(
    custodian, hr_user
):
    code = print_codes(custodian.location, hr_user)["C-7001"]
    client = Client()
    enter_code(client, "C-7001", code)
    refused = choose_password(client, "short")
    assert refused.status_code == 400 and "too short" in refused.content.decode()
    assert SignInCode.objects.get(staff=custodian).used_at is None
    assert choose_password(client)["Location"] == "/"


@pytest.mark.parametrize(
    "data",
    [{}, {"employee_id": "", "code": ""}, {"employee_id": "x" * 500, "code": "y" * 500}],
)
def test_malformed_input_on_the_code_page_is_refused_plainly(db, data):
    response = Client().post(CODE_URL, data)
    assert response.status_code == 400
    assert "This field is required." in response.content.decode() or (
        "Ensure this value has at most" in response.content.decode()
    )


def test_the_sheet_lists_the_locations_active_staff_without_a_password_no_email_first(
    hr_client, riverside, maple, cycle
):
    add_staff(riverside, "C-2", "Zed", "Adams")  # no e-mail
    add_staff(riverside, "C-1", "Ana", "Núñez-O'Brien")  # no e-mail
    add_staff(riverside, "T-1", "Bea", "Able", "bea@district.example")  # e-mail, no password
    give_password(add_staff(riverside, "C-3", "Has", "Password"))
    gone = add_staff(riverside, "C-4", "Left", "District")
    staff_set_active(staff_ids=[gone.pk], active=False)
    add_staff(maple, "C-5", "Other", "School")

    only_no_email = hr_client.post(SHEET_URL, {"location": riverside.pk, "who": "no_email"})
    html = only_no_email.content.decode().replace("&#x27;", "'")
    assert "no-store" in only_no_email["Cache-Control"]
    assert html.index("Zed Adams") < html.index("Ana Núñez-O'Brien")  # by last name
    for absent in ("Bea Able", "Has Password", "Left District", "Other School"):
        assert absent not in html

    everyone = hr_client.post(SHEET_URL, {"location": riverside.pk, "who": "everyone"})
    html = everyone.content.decode().replace("&#x27;", "'")
    # Without e-mail first (by last name), then those with one.
    assert html.index("Zed Adams") < html.index("Ana Núñez-O'Brien") < html.index("Bea Able")
    assert "Has Password" not in html and "Left District" not in html


def test_each_card_says_who_where_the_code_the_address_and_until_when(
    hr_client, hr_user, custodian, settings
):
    response = hr_client.post(SHEET_URL, {"location": custodian.location.pk, "who": "no_email"})
    html = response.content.decode().replace("&#x27;", "'")

    sheet = SignInCodeSheet.objects.get()
    assert sheet.printed_by == hr_user and sheet.location == custodian.location
    (code,) = re.findall(r'class="card-code">([A-Z2-9-]+)<', html)
    assert SignInCode.objects.get(staff=custodian).code_hash == code_hash(code)
    last_day = timezone.localdate() + timedelta(days=settings.SIGN_IN_CODE_VALID_DAYS)
    for text in (
        "Ana Núñez-O'Brien",
        "C-7001",
        "Riverside High School",
        code,
        "http://testserver/accounts/sign-in-code/",
        last_day.strftime("%b %-d, %Y"),
        "by hr@district.example",
    ):
        assert text in html, text
    recent = hr_client.get(SHEET_URL).content.decode()
    assert "Sheets printed recently" in recent and "Riverside High School" in recent


def test_a_location_where_nobody_needs_a_code_prints_nothing_and_says_so(
    hr_client, riverside, cycle
):
    give_password(add_staff(riverside, "C-3", "Has", "Password"))
    response = hr_client.post(SHEET_URL, {"location": riverside.pk, "who": "no_email"}, follow=True)
    assert "Nobody at Riverside High School needs a sign-in code" in response.content.decode()
    assert not SignInCodeSheet.objects.exists() and not SignInCode.objects.exists()


def test_a_bad_location_on_the_sheet_form_is_refused_on_the_form(hr_client, db):
    response = hr_client.post(SHEET_URL, {"location": "999", "who": "no_email"})
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not SignInCodeSheet.objects.exists()


def test_who_may_print_sign_in_codes(db, hr_client, principal_client):
    assert "/login/" in Client().get(SHEET_URL)["Location"]
    refused = principal_client.get(SHEET_URL)
    assert refused.status_code in (302, 403) and refused.get("Location", "/admin/") == "/admin/"
    assert hr_client.get(SHEET_URL).status_code == 200
    menu = hr_client.get("/admin/").content.decode()
    assert SHEET_URL in menu
    assert SHEET_URL not in principal_client.get("/admin/").content.decode()


def test_a_custodian_without_email_imports_and_signs_in_with_a_code(db, hr_user, cycle):
    roster = HEADER + (
        "C-7001,Ana,Núñez-O'Brien,,Riverside High School,Custodian,2019-08-26,yes\n"
        "C-7002,Bo,Reyes,,Riverside High School,Bus Driver,2019-08-26,yes\n"
    )
    plan = roster_plan(roster.encode())
    assert not plan.rejected
    roster_apply(plan=plan)
    ana = Staff.objects.get(employee_id="C-7001")
    assert ana.email == "" and ana.user.username == "C-7001" and not ana.user.is_active

    code = print_codes(ana.location, hr_user)["C-7001"]
    client = Client()
    enter_code(client, "c-7001", code)  # the id in lower case finds her too
    assert choose_password(client)["Location"] == "/"
    assert client.session[SESSION_KEY] == str(ana.user.pk)
