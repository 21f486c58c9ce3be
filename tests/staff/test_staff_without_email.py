"""Custodial, food-service and transportation staff often have no work e-mail: they are on the
roster all the same, with their employee id as login, and nothing tries to e-mail them."""

from datetime import date

import pytest
from django.db import IntegrityError

from jobs.models import OutgoingEmail
from staff.models import Location, Staff
from staff.roster import roster_plan
from staff.selectors import NotInvited
from staff.services import invitations_send, roster_apply
from tests.staff.test_roster_import import HEADER

from .conftest import add_staff, give_password


def test_a_roster_row_without_email_imports_and_a_malformed_email_is_still_rejected(db):
    roster = HEADER + (
        "C-1,Ana,Núñez-O'Brien,,Riverside High School,Custodian,2019-08-26,yes\n"
        "C-2,Bo,Reyes,,Riverside High School,Bus Driver,2019-08-26,yes\n"
        "C-3,Cy,Dee,not-an-email,Riverside High School,Cook,2019-08-26,yes\n"
    )
    plan = roster_plan(roster.encode())

    assert [row.employee_id for row in plan.new] == ["C-1", "C-2"]
    assert [str(r) for r in plan.rejected] == [
        'line 4, column email: "not-an-email" is not a valid e-mail address'
    ]
    roster_apply(plan=plan, skip_invalid=True)
    usernames = dict(Staff.objects.values_list("employee_id", "user__username"))
    assert usernames == {"C-1": "C-1", "C-2": "C-2"}


def test_reimporting_staff_without_email_changes_nothing(db):
    roster = HEADER + "C-1,Ana,Núñez,,Riverside High School,Custodian,2019-08-26,yes\n"
    roster_apply(plan=roster_plan(roster.encode()))
    again = roster_plan(roster.encode())
    assert again.changes == 0 and len(again.unchanged) == 1


def test_someone_who_gets_a_work_email_later_signs_in_with_it(db):
    roster = HEADER + "C-1,Ana,Núñez,,Riverside High School,Custodian,2019-08-26,yes\n"
    roster_apply(plan=roster_plan(roster.encode()))
    with_email = roster.replace(",,Riverside", ",ana@district.example,Riverside")
    roster_apply(plan=roster_plan(with_email.encode()))
    ana = Staff.objects.get(employee_id="C-1")
    assert ana.user.username == ana.user.email == "ana@district.example"


def test_any_number_of_staff_have_no_email_but_an_email_stays_unique_ignoring_case(db):
    location = Location.objects.create(name="S")

    def create(employee_id, email):
        return Staff.objects.create(
            employee_id=employee_id,
            first_name="A",
            last_name="B",
            email=email,
            location=location,
            hire_date=date(2024, 1, 1),
        )

    create("1", "")
    create("2", "")
    create("3", "a@x.example")
    with pytest.raises(IntegrityError):
        create("4", "A@X.example")


def test_invitations_skip_staff_without_email(riverside):
    ana = add_staff(riverside, "C-1", "Ana", "Núñez")
    bea = add_staff(riverside, "T-1", "Bea", "Able", "bea@district.example")

    result = invitations_send(staff=[ana, bea], base_url="http://testserver", resend=True)

    assert result.invited == [bea]
    assert [(s.staff, s.reason) for s in result.skipped] == [(ana, NotInvited.NO_EMAIL)]
    assert list(OutgoingEmail.objects.values_list("to", flat=True)) == ["bea@district.example"]
    ana.refresh_from_db()
    assert ana.invited_at is None


def test_reminders_are_not_sent_to_staff_without_email(riverside, cycle):
    from reports.services import reminders_send

    give_password(add_staff(riverside, "C-1", "Ana", "Núñez", hire_date=date(2015, 1, 5)))
    give_password(
        add_staff(
            riverside, "T-1", "Bea", "Able", "bea@district.example", hire_date=date(2015, 1, 5)
        )
    )

    reminders_send(today=cycle.refresher_due_on)

    assert list(OutgoingEmail.objects.values_list("to", flat=True)) == ["bea@district.example"]
