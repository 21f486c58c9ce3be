"""HR's file may say which language each person reads (issue M): their account's language,
the one the switcher and the admin's Account page set, so a new hire's invitation, reminders
and pages are in it from the start."""

import pytest
from wagtail.users.models import UserProfile

from staff.models import Staff
from staff.roster import roster_plan
from staff.services import roster_apply

pytestmark = pytest.mark.django_db

HEADER = "employee_id,first_name,last_name,email,location,job_title,hire_date,active"
ROWS = [
    "E1,Rosa,Núñez,rosa@district.example,School A,Custodian,2026-08-20,yes",
    "E2,Ann,Lee,ann@district.example,School A,Teacher,2024-01-10,yes",
]


def import_file(lines: list[str]):
    plan = roster_plan(("\n".join(lines) + "\n").encode())
    roster_apply(plan=plan)
    return plan


def language_of(employee_id: str) -> str:
    user_id = Staff.objects.get(employee_id=employee_id).user_id
    return (
        UserProfile.objects.filter(user_id=user_id)
        .values_list("preferred_language", flat=True)
        .first()
        or ""
    )


def test_the_language_column_sets_each_new_persons_account_language():
    import_file([HEADER + ",language", ROWS[0] + ",Español", ROWS[1] + ",en"])
    assert (language_of("E1"), language_of("E2")) == ("es", "en")


def test_a_changed_language_is_an_update_and_a_file_without_the_column_leaves_it_be():
    import_file([HEADER + ",language", ROWS[0] + ",es", ROWS[1] + ","])
    plan = import_file([HEADER + ",language", ROWS[0] + ",es", ROWS[1] + ",spanish"])
    assert [(row.employee_id, fields) for row, _, fields in plan.updated] == [("E2", ["language"])]
    assert language_of("E2") == "es"
    plan = import_file([HEADER, *ROWS])
    assert plan.updated == [] and len(plan.unchanged) == 2
    assert (language_of("E1"), language_of("E2")) == ("es", "es")


def test_an_unknown_language_is_rejected_with_its_line_and_column():
    plan = roster_plan((HEADER + ",language\n" + ROWS[0] + ",Klingon\n").encode())
    assert [str(r) for r in plan.rejected] == [
        'line 2, column language: "Klingon" is not a language the site offers: write en '
        "(English) or es (Spanish), or leave it empty for the person's browser's"
    ]
    assert not Staff.objects.exists()


def test_the_invitation_of_a_new_hire_marked_spanish_is_in_spanish():
    from django.core import mail
    from django.utils import translation

    from staff.services import invitations_send
    from tests.helpers import run_tasks

    import_file([HEADER + ",language", ROWS[0] + ",es"])
    invitations_send(staff=list(Staff.objects.all()))
    run_tasks()
    with translation.override("es"):
        subject = translation.gettext("%(district)s: set your password for your training")
    assert subject.split(":")[1] in mail.outbox[0].subject
