"""What the outside test run found in the roster import (issue H, items 6, 7 and 8): rows that
break database limits are refused while planning, with line and column; a login without a
staff record is linked; two imports at once never answer 500; a cut-off file does not
deactivate the district."""

import threading
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection

from staff.models import Location, RosterImport, Staff
from staff.roster import RosterFileError, roster_plan
from staff.services import (
    RosterAppliedMeanwhile,
    RosterDeactivationUnconfirmed,
    roster_apply,
    roster_import_apply,
)
from tests.conftest import make_user
from tests.helpers import login_verified
from tests.staff.test_roster_import import HEADER
from tests.staff.test_roster_result import upload


@pytest.fixture
def hr_client(db, client):
    from django.contrib.auth.models import Group

    user = make_user("hr@district.example")
    user.groups.add(Group.objects.get(name="HR administrators"))
    login_verified(client, user)
    return client


GOOD = "E1,Ann,Lee,ann@district.example,Maple,Teacher,2015-09-01,yes\n"


def row(employee_id="E2", first="Bo", last="Ray", email="bo@district.example", location="Maple"):
    return f"{employee_id},{first},{last},{email},{location},Teacher,2015-09-01,yes\n"


@pytest.mark.parametrize(
    "bad_row, column, words",
    [
        (row(employee_id="E" * 51), "employee_id", "51 characters, more than the 50 allowed"),
        (row(first="A" * 151), "first_name", "151 characters, more than the 150 allowed"),
        (row(email="b" * 140 + "@district.example"), "email", "more than the 150 a sign-in"),
        (row(location="M" * 201), "location", "201 characters, more than the 200 allowed"),
    ],
)
def test_h6_a_value_longer_than_the_database_holds_is_refused_while_planning(
    db, hr_client, bad_row, column, words
):
    plan = roster_plan((HEADER + GOOD + bad_row).encode())
    [rejection] = plan.rejected
    assert (rejection.line, rejection.column) == (3, column)
    assert words in rejection.reason
    # In the admin: the preview lists it, and importing the valid rows works (no 500).
    url = upload(hr_client, HEADER + GOOD + bad_row, skip_invalid=True)
    preview = hr_client.get(url).content.decode()
    assert words in preview
    assert hr_client.post(url).status_code == 302
    assert list(Staff.objects.values_list("employee_id", flat=True)) == ["E1"]


def test_h6_a_login_without_a_staff_record_is_shown_and_linked(db, hr_client):
    principal = get_user_model().objects.create_user(
        "bo@district.example", email="bo@district.example", password="pw-of-the-principal-1"
    )
    url = upload(hr_client, HEADER + GOOD + row())
    preview = hr_client.get(url).content.decode()
    assert "already has a login account" in preview and "Bo Ray (bo@district.example)" in preview
    assert hr_client.post(url).status_code == 302
    staff = Staff.objects.get(employee_id="E2")
    assert staff.user == principal
    principal.refresh_from_db()
    assert principal.check_password("pw-of-the-principal-1")  # their sign-in is kept


def test_h6_a_login_that_is_another_staff_members_is_refused(db):
    taken = get_user_model().objects.create_user("bo@district.example", email="x@y.example")
    Staff.objects.create(
        employee_id="E9",
        first_name="Other",
        last_name="Person",
        email="other@district.example",
        location=Location.objects.create(name="Maple"),
        hire_date=date(2015, 1, 1),
        user=taken,
    )
    [rejection] = roster_plan((HEADER + row()).encode()).rejected
    assert rejection.column == "email" and "employee E9" in rejection.reason


@pytest.mark.parametrize(
    "text, words",
    [
        (HEADER + GOOD + row(last="R" * 131_073), "Line 3: a cell is longer than 131,072"),
        (HEADER + GOOD + "E2,Bo,Ra\ry,bo@d.example,Maple,Teacher,2015-09-01,yes\n", "Line 3"),
    ],
)
def test_h6_a_file_the_csv_reader_refuses_is_named_by_line_and_changes_nothing(
    db, hr_client, tmp_path, text, words
):
    with pytest.raises(RosterFileError, match=words):
        roster_plan(text.encode())
    response = hr_client.post(
        "/admin/roster/import/",
        {"file": SimpleUploadedFile("roster.csv", text.encode(), "text/csv")},
    )
    assert response.status_code == 200 and words in response.content.decode()
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode())
    with pytest.raises(CommandError, match=words):
        call_command("import_roster", path, verbosity=0)
    assert not Staff.objects.exists() and not RosterImport.objects.exists()


def test_h6_a_nul_byte_after_the_first_4_kb_is_named_by_line(db):
    rows = "".join(row(employee_id=f"E{n}", email=f"p{n}@district.example") for n in range(100))
    text = HEADER + rows + "E999,Nul,Byte\x00,n@district.example,Maple,Teacher,2015-09-01,yes\n"
    assert text.index("\x00") > 4096
    with pytest.raises(RosterFileError, match="Line 102 holds a NUL character"):
        roster_plan(text.encode())


def test_h7_an_import_that_loses_a_race_for_the_same_person_says_so_and_writes_nothing(
    db, hr_client, monkeypatch
):
    url = upload(hr_client, HEADER + GOOD)

    def lost_the_race(*args, **kwargs):
        raise IntegrityError('duplicate key value violates unique constraint "employee_id"')

    # Where the import inserts the new rows (bulk_create, or COPY on PostgreSQL).
    monkeypatch.setattr("staff.services.bulk_insert", lost_the_race)
    page = hr_client.post(url, follow=True).content.decode()
    assert "Another import added some of the same people at the same moment" in page
    assert not Staff.objects.exists()
    assert RosterImport.objects.get().applied_at is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL for real races")
@pytest.mark.django_db(transaction=True)
def test_h7_two_uploads_with_the_same_new_person_applied_at_once_give_one_a_clear_message():
    from django.db import connections

    hr_user = make_user("hr-race@district.example")
    imports = [
        RosterImport.objects.create(
            filename=f"r{n}.csv", content=HEADER + GOOD, uploaded_by=hr_user
        )
        for n in range(2)
    ]
    planned = threading.Barrier(2)
    outcomes = []
    import staff.services as services

    original = services.roster_upload_plan

    def plan_then_wait(*args, **kwargs):
        plan = original(*args, **kwargs)
        planned.wait(timeout=10)  # both have planned "E1 is new" before either writes
        return plan

    services.roster_upload_plan = plan_then_wait
    try:

        def apply(roster_import):
            try:
                roster_import_apply(roster_import_id=roster_import.pk, by=hr_user)
                outcomes.append("applied")
            except RosterAppliedMeanwhile:
                outcomes.append("told")
            finally:
                connections.close_all()

        threads = [threading.Thread(target=apply, args=(i,)) for i in imports]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        services.roster_upload_plan = original
    assert sorted(outcomes) == ["applied", "told"]
    assert Staff.objects.filter(employee_id="E1").count() == 1


@pytest.fixture
def ten_active(db):
    location = Location.objects.create(name="Maple")
    for n in range(10):
        Staff.objects.create(
            employee_id=f"S{n}",
            first_name="Staff",
            last_name=str(n),
            email=f"s{n}@district.example",
            location=location,
            hire_date=date(2015, 1, 1),
        )


def test_h8_a_headers_only_file_with_deactivate_missing_deactivates_nobody_unconfirmed(
    ten_active, hr_client, tmp_path
):
    plan = roster_plan(HEADER.encode() + b"\n", deactivate_missing=True)
    assert len(plan.deactivated) == 10 and plan.deactivation_needs_confirming
    with pytest.raises(RosterDeactivationUnconfirmed):
        roster_apply(plan=plan)
    assert Staff.objects.filter(is_active=True).count() == 10

    url = upload(hr_client, HEADER, deactivate_missing=True)
    preview = hr_client.get(url).content.decode()
    assert "This marks 10 of 10 active staff inactive" in preview
    refused = hr_client.post(url, {"confirm_deactivations": "9"}, follow=True).content.decode()
    assert "Nothing was imported: this would mark 10 of 10 active staff inactive" in refused
    assert Staff.objects.filter(is_active=True).count() == 10
    hr_client.post(url, {"confirm_deactivations": "10"})
    assert Staff.objects.filter(is_active=True).count() == 0


def test_h8_the_command_needs_force_to_deactivate_most_of_the_roster(ten_active, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + "S0,Staff,0,s0@district.example,Maple,,2015-01-01,yes\n")
    with pytest.raises(CommandError, match="9 of 10 active staff inactive.*--force"):
        call_command("import_roster", path, deactivate_missing=True, verbosity=0)
    assert Staff.objects.filter(is_active=True).count() == 10
    call_command("import_roster", path, deactivate_missing=True, force=True, verbosity=0)
    assert Staff.objects.filter(is_active=True).count() == 1


def test_h8_marking_a_few_inactive_needs_no_confirmation(ten_active):
    keep = "".join(
        f"S{n},Staff,{n},s{n}@district.example,Maple,,2015-01-01,yes\n" for n in range(9)
    )
    plan = roster_plan((HEADER + keep).encode(), deactivate_missing=True)
    assert len(plan.deactivated) == 1 and not plan.deactivation_needs_confirming
    roster_apply(plan=plan)
    assert Staff.objects.filter(is_active=True).count() == 9
