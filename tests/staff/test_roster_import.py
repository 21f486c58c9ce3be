from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from staff.models import Location, Staff
from staff.roster import RosterFileError, roster_plan
from staff.services import RosterInvalid, roster_apply

HEADER = "employee_id,first_name,last_name,email,location,job_title,hire_date,active\n"

# A file as HR sends it: BOM, semicolons, reordered columns, a trailing empty column, accents,
# apostrophes and hyphens, US dates, an exact duplicate row and blank lines.
MESSY = (Path(__file__).parent / "data" / "messy_roster.csv").read_text(encoding="utf-8")


def write(tmp_path, text, name="roster.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def snapshot():
    return (
        sorted(
            Staff.objects.values_list(
                "employee_id",
                "first_name",
                "last_name",
                "email",
                "location__name",
                "job_title",
                "hire_date",
                "is_active",
            )
        ),
        get_user_model().objects.count(),
        Location.objects.count(),
    )


def test_a_messy_hr_file_imports_exactly(db, tmp_path):
    call_command("import_roster", write(tmp_path, MESSY), verbosity=0)
    zoe = Staff.objects.get(employee_id="E100")
    assert (zoe.first_name, zoe.last_name) == ("Zoë", "Lefèvre-Smith")
    sean = Staff.objects.get(employee_id="E101")
    assert (sean.last_name, sean.hire_date, sean.is_active) == ("D'Amico", date(2024, 8, 15), True)
    an = Staff.objects.get(employee_id="E102")
    assert an.last_name == "Nguyễn" and an.email == "nguyen.an@district.example"
    assert Staff.objects.count() == 3
    assert set(Location.objects.values_list("name", flat=True)) == {
        "Riverside High School",
        "Maple Street Elementary School",
    }


def test_each_imported_staff_member_gets_an_inactive_account_named_by_email(db, tmp_path):
    call_command("import_roster", write(tmp_path, MESSY), verbosity=0)
    user = Staff.objects.get(employee_id="E100").user
    assert user.username == "zoe.lefevre@district.example"
    assert not user.is_active and not user.has_usable_password()


def test_imported_accounts_have_unusable_passwords_no_two_alike(db, tmp_path):
    call_command("import_roster", write(tmp_path, MESSY), verbosity=0)
    users = [staff.user for staff in Staff.objects.select_related("user")]
    assert not any(user.has_usable_password() for user in users)
    assert len({user.password for user in users}) == len(users) == 3


def test_reimporting_the_same_file_changes_nothing(db, tmp_path, capsys):
    path = write(tmp_path, MESSY)
    call_command("import_roster", path)
    before = snapshot()
    updated_at = sorted(Staff.objects.values_list("updated_at", flat=True))
    call_command("import_roster", path)
    assert "nothing changed" in capsys.readouterr().out
    assert snapshot() == before
    assert sorted(Staff.objects.values_list("updated_at", flat=True)) == updated_at


def test_a_changed_row_updates_the_staff_member_and_their_login(db, tmp_path):
    call_command("import_roster", write(tmp_path, MESSY), verbosity=0)
    changed = MESSY.replace("zoe.lefevre@district.example", "zoe.smith@district.example")
    plan = roster_plan(changed.encode())
    assert [(row.employee_id, fields) for row, _, fields in plan.updated] == [("E100", ["email"])]
    roster_apply(plan=plan)
    zoe = Staff.objects.get(employee_id="E100")
    assert zoe.email == zoe.user.username == "zoe.smith@district.example"


BAD_ROWS = [
    ("E200,Ann,Lee,ann@district.example,School A,Teacher,2024-01-10,yes\n", None),
    (
        ",Bob,Ray,bob@district.example,School A,Teacher,2024-01-10,yes\n",
        ("employee_id", "missing value"),
    ),
    ("E201,Cy,Dee,not-an-email,School A,Teacher,2024-01-10,yes\n", ("email", "not a valid e-mail")),
    (
        "E202,Di,Eve,di@district.example,School A,Teacher,2023-02-30,yes\n",
        ("hire_date", "not a date"),
    ),
    (
        "E203,Ed,Fay,ed@district.example,School A,Teacher,13/01/2024,yes\n",
        ("hire_date", "not a date"),
    ),
    (
        "E200,Ann,Leigh,ann2@district.example,School A,Teacher,2024-01-10,yes\n",
        ("employee_id", "duplicate id"),
    ),
    (
        "E204,Al,Gee,ANN@district.example,School A,Teacher,2024-01-10,yes\n",
        ("email", "also on line 2"),
    ),
    (
        "E205,Al,Hee,al@district.example,School A,Teacher,2024-01-10,maybe\n",
        ("active", "not yes or no"),
    ),
]


def test_every_bad_row_is_reported_with_line_column_and_reason(db, tmp_path):
    text = HEADER + "".join(row for row, _ in BAD_ROWS)
    plan = roster_plan(text.encode())
    reported = {(r.line, r.column): r.reason for r in plan.rejected}
    for line, (_, expected) in enumerate(BAD_ROWS, start=2):
        if expected is None:
            continue
        column, reason = expected
        assert reason in reported[(line, column)], (line, reported)
    assert [row.employee_id for row in plan.new] == ["E200"]


def test_one_bad_row_writes_nothing_and_the_command_fails(db, tmp_path, capsys):
    call_command("import_roster", write(tmp_path, MESSY), verbosity=0)
    before = snapshot()
    text = HEADER + BAD_ROWS[0][0] + BAD_ROWS[3][0]
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_roster", write(tmp_path, text, "bad.csv"))
    assert "bad.csv, line 3, column hire_date" in capsys.readouterr().err
    assert snapshot() == before


def test_skip_invalid_applies_the_valid_rows_and_lists_the_rejects(db, tmp_path, capsys):
    text = HEADER + BAD_ROWS[0][0] + BAD_ROWS[2][0]
    call_command("import_roster", write(tmp_path, text), skip_invalid=True)
    assert list(Staff.objects.values_list("employee_id", flat=True)) == ["E200"]
    assert "line 3, column email" in capsys.readouterr().err


def test_an_email_of_another_employee_is_refused(db, tmp_path):
    call_command("import_roster", write(tmp_path, MESSY), verbosity=0)
    text = HEADER + "E300,New,Person,Zoe.Lefevre@district.example,School A,Teacher,2024-01-10,yes\n"
    plan = roster_plan(text.encode())
    assert [str(r) for r in plan.rejected] == [
        "line 2, column email: zoe.lefevre@district.example belongs to employee E100"
    ]
    with pytest.raises(RosterInvalid):
        roster_apply(plan=plan)


def test_two_employees_may_swap_addresses_in_one_file(db, tmp_path):
    text = HEADER + (
        "E1,A,One,a@district.example,S,T,2024-01-10,yes\nE2,B,Two,b@district.example,S,T,2024-01-10,yes\n"
    )
    call_command("import_roster", write(tmp_path, text), verbosity=0)
    swapped = text.replace("a@", "x@").replace("b@", "a@").replace("x@", "b@")
    # A swap needs a free address in between in the database, so it is applied as two steps.
    plan = roster_plan(swapped.encode())
    assert not plan.rejected


def test_emails_are_unique_ignoring_case_in_the_database(db):
    location = Location.objects.create(name="S")
    Staff.objects.create(
        employee_id="1",
        first_name="A",
        last_name="B",
        email="a@x.example",
        location=location,
        hire_date=date(2024, 1, 1),
    )
    with pytest.raises(IntegrityError):
        Staff.objects.create(
            employee_id="2",
            first_name="C",
            last_name="D",
            email="A@X.example",
            location=location,
            hire_date=date(2024, 1, 1),
        )


def test_deactivate_missing_marks_absent_staff_inactive_and_deletes_no_one(db, tmp_path):
    call_command("import_roster", write(tmp_path, MESSY), verbosity=0)
    only_zoe = "\n".join(MESSY.splitlines()[:2]) + "\n"
    call_command(
        "import_roster", write(tmp_path, only_zoe, "zoe.csv"), deactivate_missing=True, verbosity=0
    )
    assert Staff.objects.count() == 3
    assert set(Staff.objects.filter(is_active=True).values_list("employee_id", flat=True)) == {
        "E100"
    }


def test_without_the_flag_absent_staff_stay_active(db, tmp_path):
    call_command("import_roster", write(tmp_path, MESSY), verbosity=0)
    only_zoe = "\n".join(MESSY.splitlines()[:2]) + "\n"
    call_command("import_roster", write(tmp_path, only_zoe, "zoe.csv"), verbosity=0)
    assert Staff.objects.filter(is_active=True).count() == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"\n\n  \n", "The file is empty"),
        (b"%PDF-1.4\x00\x01\x02binary", "not a CSV file"),
        (b"employee_id;first_name\nE1;A\n", "lacks the columns last_name, email"),
        ("naïve".encode("latin-1") + b",x\n", "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_roster_is_refused_in_one_sentence(db, tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_roster", path, verbosity=0)
    with pytest.raises(RosterFileError):
        roster_plan(content)


def test_the_plan_reads_the_database_in_a_constant_number_of_queries(
    db, tmp_path, django_assert_max_num_queries
):
    rows = "".join(
        f"E{n},First{n},Last{n},p{n}@district.example,School {n % 3},Teacher,2024-01-10,yes\n"
        for n in range(300)
    )
    with django_assert_max_num_queries(3):
        plan = roster_plan((HEADER + rows).encode())
    assert len(plan.new) == 300
