"""Deactivating a staff member (by an administrator, in bulk, or by a roster import) stops
their sign-in at once and ends their sessions; reactivating lets them back in. Records stay."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from wagtail.models import ModelLogEntry

from staff.models import Assignment, Staff
from staff.roster import roster_plan
from staff.services import roster_apply, staff_set_active
from tests.staff.test_roster_import import HEADER

from .conftest import LEARNER_PASSWORD, add_staff, give_password


def signed_in(staff) -> Client:
    """A browser in which the staff member signed in through the sign-in page."""
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": staff.user.username, "password": LEARNER_PASSWORD}
    )
    assert response.status_code == 302, response.content
    return client


def signed_in_as(client):
    """Who the site takes this browser for on its next request (None: nobody)."""
    user = client.get("/").wsgi_request.user
    return user if user.is_authenticated else None


def sessions_of(user) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == str(user.pk))


def deactivate_url(*staff, action="deactivate"):
    ids = "&".join(f"id={s.pk}" for s in staff)
    return f"/admin/bulk/staff/staff/{action}/?next=/admin/snippets/staff/staff/&{ids}"


def test_deactivating_a_staff_member_ends_their_sessions_and_stops_their_sign_in(
    hr_client, riverside, cycle
):
    ana = give_password(add_staff(riverside, "C-7001", "Ana", "Núñez", "ana@district.example"))
    zoe = give_password(add_staff(riverside, "E100", "Zoë", "Lefèvre", "zoe@district.example"))
    ana_browser, ana_phone, zoe_browser = signed_in(ana), signed_in(ana), signed_in(zoe)
    assert sessions_of(ana.user) == 2

    confirm = hr_client.get(deactivate_url(ana)).content.decode()
    assert "They can no longer sign in" in confirm and "Ana Núñez (C-7001)" in confirm
    response = hr_client.post(deactivate_url(ana), follow=True)

    assert "1 staff member deactivated" in response.content.decode()
    ana.refresh_from_db()
    ana.user.refresh_from_db()
    assert not ana.is_active and not ana.user.is_active
    assert sessions_of(ana.user) == 0
    # Her open pages now ask her to sign in; her colleague is untouched.
    assert signed_in_as(ana_browser) is None and signed_in_as(ana_phone) is None
    assert signed_in_as(zoe_browser) == zoe.user and sessions_of(zoe.user) == 1
    refused = Client().post(
        "/accounts/login/", {"username": "ana@district.example", "password": LEARNER_PASSWORD}
    )
    assert refused.status_code == 200 and "do not match" in refused.content.decode()
    # Records stay; the admin's history says who did it.
    assert Assignment.objects.filter(staff=ana, cycle=cycle).exists()
    entry = ModelLogEntry.objects.get(action="staff.deactivate", object_id=str(ana.pk))
    assert entry.user.username == "hr@district.example"


def test_bulk_deactivation_takes_several_and_leaves_the_already_inactive_alone(
    hr_client, riverside
):
    ann = add_staff(riverside, "E1", "Ann", "One")
    bo = add_staff(riverside, "E2", "Bo", "Two")
    staff_set_active(staff_ids=[bo.pk], active=False)

    page = hr_client.get(deactivate_url(ann, bo)).content.decode()
    assert "Deactivate these 2 staff members?" in page and "already inactive" in page
    hr_client.post(deactivate_url(ann, bo))

    assert not Staff.objects.filter(is_active=True).exists()
    assert ModelLogEntry.objects.filter(action="staff.deactivate").count() == 1


def test_reactivating_lets_those_with_a_password_sign_in_and_assigns_them(
    hr_client, riverside, cycle
):
    ana = give_password(add_staff(riverside, "C-7001", "Ana", "Núñez", "ana@district.example"))
    bo = add_staff(riverside, "E2", "Bo", "Two", "bo@district.example")  # never set a password
    before = signed_in(ana)
    staff_set_active(staff_ids=[ana.pk, bo.pk], active=False)
    Assignment.objects.filter(staff=ana).delete()  # as if deactivated before the cycle opened

    hr_client.post(deactivate_url(ana, bo, action="reactivate"))

    ana.user.refresh_from_db()
    bo.user.refresh_from_db()
    assert ana.user.is_active and not bo.user.is_active
    assert Staff.objects.filter(is_active=True).count() == 2
    assert Assignment.objects.filter(staff=ana, cycle=cycle).exists()
    assert signed_in_as(signed_in(ana)) == ana.user
    # The session she had before she was deactivated does not come back to life.
    assert signed_in_as(before) is None


def test_an_import_that_deactivates_ends_sessions(db, riverside):
    roster = HEADER + (
        "E1,Ann,One,ann@district.example,Riverside High School,Teacher,2020-01-10,yes\n"
        "E2,Bo,Two,bo@district.example,Riverside High School,Teacher,2020-01-10,yes\n"
        "E3,Cy,Three,cy@district.example,Riverside High School,Teacher,2020-01-10,yes\n"
    )
    roster_apply(plan=roster_plan(roster.encode()))
    ann, bo, cy = (give_password(Staff.objects.get(employee_id=i)) for i in ("E1", "E2", "E3"))
    browsers = {s.employee_id: signed_in(s) for s in (ann, bo, cy)}

    # Bo is marked inactive in HR's file; Cy has left it, and HR deactivates the missing.
    next_roster = roster.replace("Teacher,2020-01-10,yes\nE3", "Teacher,2020-01-10,no\nE3")
    next_roster = next_roster.replace(next_roster.splitlines()[-1] + "\n", "")
    roster_apply(plan=roster_plan(next_roster.encode(), deactivate_missing=True))

    assert set(Staff.objects.filter(is_active=True).values_list("employee_id", flat=True)) == {"E1"}
    for staff in (bo, cy):
        staff.user.refresh_from_db()
        assert not staff.user.is_active and sessions_of(staff.user) == 0
        assert signed_in_as(browsers[staff.employee_id]) is None
    assert signed_in_as(browsers["E1"]) == ann.user


def test_an_import_marking_someone_active_again_lets_them_sign_in(db, riverside):
    roster = HEADER + "E1,Ann,One,ann@district.example,Riverside High School,T,2020-01-10,no\n"
    roster_apply(plan=roster_plan(roster.replace(",no\n", ",yes\n").encode()))
    ann = give_password(Staff.objects.get(employee_id="E1"))
    roster_apply(plan=roster_plan(roster.encode()))
    ann.user.refresh_from_db()
    assert not ann.user.is_active

    roster_apply(plan=roster_plan(roster.replace(",no\n", ",yes\n").encode()))

    ann.user.refresh_from_db()
    assert ann.user.is_active
    assert signed_in_as(signed_in(ann)) == ann.user


def test_a_deactivated_staff_members_old_invitation_link_no_longer_works(db, riverside):
    from staff.services import invitation_url

    bo = add_staff(riverside, "E2", "Bo", "Two", "bo@district.example")
    link = invitation_url(user=bo.user, base_url="http://testserver")
    staff_set_active(staff_ids=[bo.pk], active=False)

    client = Client()
    page = client.get(link, follow=True)
    assert "has been used already or has expired" in page.content.decode()
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    chosen = "a-fine-password-9"
    client.post(form_url, {"new_password1": chosen, "new_password2": chosen})
    bo.user.refresh_from_db()
    assert not bo.user.is_active and not bo.user.has_usable_password()


def test_deactivation_takes_the_same_queries_with_2_or_12_sessions_open(db, riverside):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = [give_password(add_staff(riverside, f"E{n}", "P", f"N{n}")) for n in range(14)]
    for person in people[:2]:
        signed_in(person)
    with CaptureQueriesContext(connection) as few:
        staff_set_active(staff_ids=[people[0].pk], active=False)
    for person in people[2:]:
        signed_in(person)
    with CaptureQueriesContext(connection) as many:
        staff_set_active(staff_ids=[people[1].pk], active=False)
    assert len(many) == len(few) <= 8
    assert sessions_of(people[1].user) == 0 and Session.objects.count() == 12
