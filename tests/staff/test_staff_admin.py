"""HR adds and edits staff members in the Wagtail admin, as an import would; nobody deletes
one; locations and cycles are deleted only while nothing refers to them."""

import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from staff.models import Assignment, Location, Staff, TrainingCycle
from tests.conftest import make_user

from .conftest import add_staff

ADD_URL = "/admin/snippets/staff/staff/add/"
LIST_URL = "/admin/snippets/staff/staff/"


def assert_refused(response):
    """The admin answers a refused permission by sending the person back to its home page with
    a message (or a plain 403)."""
    assert response.status_code in (302, 403), response.status_code
    if response.status_code == 302:
        assert response["Location"] == "/admin/"


def edit_url(staff):
    return f"/admin/snippets/staff/staff/edit/{staff.pk}/"


def staff_form(location, **changes):
    data = {
        "employee_id": "C-7001",
        "first_name": "Ana",
        "last_name": "Núñez-O'Brien",
        "email": "",
        "location": str(location.pk),
        "job_title": "Custodian",
        "hire_date": "2026-09-01",
    }
    data.update(changes)
    return data


def test_hr_adds_a_staff_member_who_gets_what_an_imported_one_gets(hr_client, riverside, cycle):
    response = hr_client.post(ADD_URL, staff_form(riverside, email="Ana.Nunez@District.example"))

    assert response.status_code == 302
    ana = Staff.objects.get(employee_id="C-7001")
    assert (ana.first_name, ana.last_name) == ("Ana", "Núñez-O'Brien")
    assert ana.location == riverside and ana.is_active
    # The login account an import makes: named by the work e-mail, waiting for a password.
    assert ana.email == ana.user.username == "ana.nunez@district.example"
    assert not ana.user.is_active and not ana.user.has_usable_password()
    assert (ana.user.first_name, ana.user.last_name) == ("Ana", "Núñez-O'Brien")
    # And this year's assignment: hired inside the cycle, so onboarding 30 days later.
    assignment = Assignment.objects.get(staff=ana, cycle=cycle)
    assert assignment.kind == Assignment.Kind.ONBOARDING
    assert assignment.due_on == date(2026, 10, 1)


def test_a_staff_member_without_a_work_email_gets_their_employee_id_as_login(
    hr_client, riverside, cycle
):
    hr_client.post(ADD_URL, staff_form(riverside))

    ana = Staff.objects.get(employee_id="C-7001")
    assert ana.email == "" and ana.user.username == "C-7001" and ana.user.email == ""
    listing = hr_client.get(LIST_URL).content.decode()
    assert "No work e-mail: needs a printed sign-in code" in listing


def test_another_staff_members_email_is_refused_beside_the_field_and_nothing_is_written(
    hr_client, riverside
):
    add_staff(riverside, "E100", "Zoë", "Lefèvre-Smith", "zoe@district.example")
    users_before = get_user_model().objects.count()

    response = hr_client.post(ADD_URL, staff_form(riverside, email="ZOE@district.example"))

    assert response.status_code == 200
    html = response.content.decode()
    taken = "zoe@district.example is the work e-mail of another staff member (Zoë Lefèvre-Smith)"
    assert taken in html
    assert not Staff.objects.filter(employee_id="C-7001").exists()
    assert get_user_model().objects.count() == users_before


def test_a_duplicate_employee_id_is_refused_with_a_message(hr_client, riverside):
    add_staff(riverside, "C-7001", "Someone", "Else")
    response = hr_client.post(ADD_URL, staff_form(riverside, first_name="Ana"))
    assert response.status_code == 200
    assert "C-7001 is the employee id of another staff member (Someone Else)." in (
        response.content.decode()
    )
    assert Staff.objects.filter(employee_id="C-7001").count() == 1


def test_a_new_staff_member_takes_over_an_account_that_is_on_no_roster(hr_client, riverside):
    # A principal who also teaches already signs in to the admin with their work e-mail.
    principal = make_user("pat@district.example", password="pat-password-9")

    hr_client.post(ADD_URL, staff_form(riverside, employee_id="T-1", email="pat@district.example"))

    assert Staff.objects.get(employee_id="T-1").user == principal
    principal.refresh_from_db()
    assert principal.check_password("pat-password-9")  # they keep signing in as before


def test_an_email_that_is_another_staff_members_login_is_refused(hr_client, riverside):
    zoe = add_staff(riverside, "E100", "Zoë", "Lefèvre-Smith", "zoe@district.example")
    ana = add_staff(riverside, "C-7001", "Ana", "Núñez")
    # Zoë's account keeps her old address as username when HR's data is inconsistent.
    Staff.objects.filter(pk=zoe.pk).update(email="zoe.new@district.example")

    response = hr_client.post(
        edit_url(ana), staff_form(riverside, email="zoe@district.example", first_name="Ana")
    )

    assert response.status_code == 200
    assert "zoe@district.example is already the login of another account" in (
        response.content.decode()
    )
    ana.refresh_from_db()
    assert ana.email == "" and ana.user.username == "C-7001"


def test_editing_the_email_renames_the_login_and_removing_it_falls_back_to_the_id(
    hr_client, riverside, maple
):
    ana = add_staff(riverside, "C-7001", "Ana", "Núñez", "ana@district.example")

    hr_client.post(edit_url(ana), staff_form(maple, email="ana.n@district.example"))
    ana.refresh_from_db()
    assert ana.user.username == ana.user.email == "ana.n@district.example"
    assert ana.location == maple

    hr_client.post(edit_url(ana), staff_form(maple, email=""))
    ana.refresh_from_db()
    assert ana.user.username == "C-7001" and ana.user.email == ""


def test_the_form_has_a_location_chooser_and_no_account_dropdown_or_active_box(
    hr_client, riverside
):
    ana = add_staff(riverside, "C-7001", "Ana", "Núñez")
    make_user("someone.else@district.example")

    for url in (ADD_URL, edit_url(ana)):
        html = hr_client.get(url).content.decode()
        assert "Choose location" in html
        assert 'name="user"' not in html and "someone.else@district.example" not in html
        assert 'name="is_active"' not in html
    edit = hr_client.get(edit_url(ana)).content.decode()
    assert "Login account" in edit and "C-7001" in edit
    assert "Deactivate Ana Núñez (C-7001)" in edit
    Staff.objects.filter(pk=ana.pk).update(is_active=False)
    assert "Reactivate Ana Núñez (C-7001)" in hr_client.get(edit_url(ana)).content.decode()


def test_the_form_cannot_set_the_account_or_activity_by_posting_them(hr_client, riverside):
    ana = add_staff(riverside, "C-7001", "Ana", "Núñez")
    other = make_user("other@district.example")
    hr_client.post(edit_url(ana), staff_form(riverside, user=str(other.pk), is_active=""))
    ana.refresh_from_db()
    assert ana.user != other and ana.is_active


def test_the_listing_says_active_yes_or_no_in_words(hr_client, riverside):
    add_staff(riverside, "E1", "Ann", "Active")
    gone = add_staff(riverside, "E2", "Bo", "Gone")
    Staff.objects.filter(pk=gone.pk).update(is_active=False)

    html = hr_client.get(LIST_URL).content.decode()

    cells = [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]
    assert "Yes" in cells and "No" in cells
    assert "Deactivate Ann Active (E1)" in html and "Reactivate Bo Gone (E2)" in html


def test_a_staff_member_is_never_offered_for_deletion_not_even_to_it(superuser_client, riverside):
    ana = add_staff(riverside, "C-7001", "Ana", "Núñez")

    listing = superuser_client.get(LIST_URL).content.decode()
    assert f"/admin/snippets/staff/staff/delete/{ana.pk}/" not in listing
    assert "/admin/bulk/staff/staff/delete/" not in listing
    edit = superuser_client.get(edit_url(ana)).content.decode()
    assert f"/admin/snippets/staff/staff/delete/{ana.pk}/" not in edit

    delete_url = f"/admin/snippets/staff/staff/delete/{ana.pk}/"
    assert_refused(superuser_client.get(delete_url))
    assert_refused(superuser_client.post(delete_url))
    bulk = f"/admin/bulk/staff/staff/delete/?next=/admin/&id={ana.pk}"
    assert superuser_client.get(bulk).status_code == 200
    superuser_client.post(bulk)
    assert Staff.objects.filter(pk=ana.pk).exists()
    assert Assignment.objects.filter(staff=ana).count() == Assignment.objects.count()


def test_a_location_with_staff_is_not_deleted_and_the_page_says_why(superuser_client, riverside):
    add_staff(riverside, "C-7001", "Ana", "Núñez")
    url = f"/admin/snippets/staff/location/delete/{riverside.pk}/"

    page = superuser_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "cannot be deleted, because records refer to it: 1 staff member." in html
    assert "Move its staff to another location first" in html
    assert "Yes, delete" not in html

    refused = superuser_client.post(url)
    assert refused.status_code == 200
    assert Location.objects.filter(pk=riverside.pk).exists()


def test_an_unused_location_is_deleted_as_before(superuser_client, db):
    empty = Location.objects.create(name="Closed Annex")
    response = superuser_client.post(f"/admin/snippets/staff/location/delete/{empty.pk}/")
    assert response.status_code == 302
    assert not Location.objects.filter(pk=empty.pk).exists()


def test_a_cycle_with_assignments_is_not_deleted_and_the_page_says_why(
    superuser_client, riverside, cycle
):
    add_staff(riverside, "C-7001", "Ana", "Núñez")
    url = f"/admin/snippets/staff/trainingcycle/delete/{cycle.pk}/"

    html = superuser_client.get(url).content.decode()
    assert "cannot be deleted, because records refer to it: 1 assignment." in html
    assert superuser_client.post(url).status_code == 200
    assert TrainingCycle.objects.filter(pk=cycle.pk).exists()
    assert Assignment.objects.filter(cycle=cycle).count() == 1


def test_bulk_deleting_locations_deletes_only_those_nothing_refers_to(superuser_client, riverside):
    add_staff(riverside, "C-7001", "Ana", "Núñez")
    empty = Location.objects.create(name="Closed Annex")
    url = f"/admin/bulk/staff/location/delete/?next=/admin/&id={riverside.pk}&id={empty.pk}"

    page = superuser_client.get(url).content.decode()
    assert "Riverside High School: 1 staff member" in page
    response = superuser_client.post(url)

    assert response.status_code == 302
    assert list(Location.objects.values_list("name", flat=True)) == ["Riverside High School"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/bulk/staff/staff/deactivate/?id=abc",
        "/admin/bulk/staff/staff/reactivate/?id=1;DROP",
        "/admin/bulk/staff/location/delete/?id=x",
    ],
)
def test_a_malformed_id_in_a_bulk_action_address_answers_404(superuser_client, url):
    assert superuser_client.get(url).status_code == 404


def test_who_may_add_staff_and_deactivate(db, hr_client, principal_client, riverside):
    ana = add_staff(riverside, "C-7001", "Ana", "Núñez")
    deactivate = f"/admin/bulk/staff/staff/deactivate/?next=/admin/&id={ana.pk}"

    anonymous = Client()
    for url in (ADD_URL, deactivate):
        assert "/login/" in anonymous.get(url)["Location"]
    assert_refused(principal_client.get(ADD_URL))
    assert_refused(principal_client.get(deactivate))
    assert_refused(principal_client.post(deactivate))
    ana.refresh_from_db()
    assert ana.is_active
    assert hr_client.get(ADD_URL).status_code == 200
    assert hr_client.get(deactivate).status_code == 200


def test_the_listing_takes_the_same_queries_with_3_or_30_staff(hr_client, riverside, maple):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def listing_queries():
        hr_client.get(LIST_URL)  # warm the per-user permission caches alike
        with CaptureQueriesContext(connection) as queries:
            assert hr_client.get(LIST_URL).status_code == 200
        return len(queries)

    for n in range(3):
        add_staff(riverside if n % 2 else maple, f"E{n}", "Person", f"Number{n}")
    few = listing_queries()
    for n in range(3, 30):
        add_staff(riverside if n % 2 else maple, f"E{n}", "Person", f"Number{n}")
    assert listing_queries() == few
