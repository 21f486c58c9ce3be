"""The OneRoster 1.2 CSV roster import: the sample bundle in data/oneroster (made to the
specification) imports through the same plan, apply, record and all-or-nothing as HR's CSV;
each kind of bad bundle is refused naming the file, the line and the field, and changes
nothing."""

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from wagtail.models import ModelLogEntry

from staff.models import Location, RosterChange, RosterImport, Staff
from staff.oneroster import bundle_plan, roster_upload_plan
from staff.roster import RosterFileError
from staff.services import RosterInvalid, roster_apply

from .test_roster_import import snapshot

SAMPLE = Path(__file__).parent / "data" / "oneroster"
BUNDLE_FILES = ("manifest.csv", "users.csv", "orgs.csv", "roles.csv")
LATER = "2026-09-15T08:00:00.000Z"


def sample_files(**replacements) -> dict[str, bytes]:
    """The sample bundle, with `name=[(old, new), ...]` replacements in its files (a name
    mapped to None leaves that file out)."""
    files = {}
    for name in BUNDLE_FILES:
        key = name.removesuffix(".csv")
        if key in replacements and replacements[key] is None:
            continue
        text = (SAMPLE / name).read_text(encoding="utf-8")
        for old, new in replacements.get(key, []):
            assert old in text, f"{old!r} is not in {name}"
            text = text.replace(old, new, 1)
        files[name] = text.encode("utf-8")
    return files


def zipped(files: dict[str, bytes], folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(folder + name, data)
    return buffer.getvalue()


def import_bundle(tmp_path, files=None, *args, name="oneroster.zip"):
    path = tmp_path / name
    path.write_bytes(zipped(files or sample_files()))
    call_command("import_roster", path, *args, verbosity=0)


def staff(employee_id: str) -> Staff:
    return Staff.objects.select_related("location", "user").get(employee_id=employee_id)


def test_the_sample_bundle_imports_its_staff_with_job_titles_and_locations(db):
    call_command("import_roster", SAMPLE, verbosity=0)
    assert sorted(Staff.objects.values_list("employee_id", flat=True)) == [
        "T-5001",
        "T-5002",
        "T-5003",
        "T-5004",
        "T-5005",
        "T-5006",
        "T-5007",
        "T-5009",
        "T-5010",
    ]
    obrien = staff("T-5001")
    assert (obrien.first_name, obrien.last_name, obrien.email) == (
        "Aoife",
        "O'Brien-Núñez",
        "aoife.obrien@wps.example",
    )
    assert (obrien.location.name, obrien.job_title, obrien.hire_date) == (
        "Maple Street Elementary School",
        "Teacher",
        date(2019, 8, 20),
    )
    titles = dict(Staff.objects.values_list("employee_id", "job_title"))
    assert titles["T-5004"] == "District administrator"
    assert titles["T-5005"] == "Aide"
    assert titles["T-5006"] == "Counselor"
    assert titles["T-5009"] == "Administrator"
    # The district administrator's only role is at the district: the district's name.
    assert staff("T-5004").location.name == "Waterbury Public Schools"
    # Schools and the district become locations by name.
    assert set(Location.objects.values_list("name", flat=True)) == {
        "Waterbury Public Schools",
        "Maple Street Elementary School",
        "Riverside High School",
        "Oak Hill Middle School",
    }
    # The aide has no work e-mail: she signs in with her employee id.
    aide = staff("T-5005")
    assert aide.email == "" and aide.user.username == "T-5005"


def test_a_multi_role_user_takes_the_primary_role_and_the_earliest_begin_date(db):
    call_command("import_roster", SAMPLE, verbosity=0)
    nguyen = staff("T-5007")
    assert (nguyen.job_title, nguyen.location.name) == ("Principal", "Oak Hill Middle School")
    assert nguyen.hire_date == date(2016, 8, 22)  # the secondary teaching role began first
    assert Staff.objects.filter(last_name="Nguyễn Thị").count() == 1


def test_students_and_guardians_are_ignored_and_counted_in_the_preview(db):
    plan = bundle_plan(sample_files())
    assert plan.summary() == {
        "new": 9,
        "updated": 0,
        "unchanged": 0,
        "deactivated": 0,
        "rejected": 0,
    }
    assert plan.students_ignored == 5  # four students and a guardian
    assert plan.deleted_ignored == 1  # Robert Kline, tobedeleted, never on the roster
    assert plan.source == "OneRoster 1.2 (bulk)"
    assert not Staff.objects.exists()  # a plan writes nothing
    call_command("import_roster", SAMPLE, verbosity=0)
    assert not Staff.objects.filter(employee_id__startswith="S-").exists()
    assert not Staff.objects.filter(employee_id__in=["G-001", "T-5008"]).exists()


def test_a_disabled_user_is_imported_inactive_and_cannot_sign_in(db):
    call_command("import_roster", SAMPLE, verbosity=0)
    patel = staff("T-5010")
    assert not patel.is_active and not patel.user.is_active


def test_a_zip_imports_exactly_as_the_folder_does(db, tmp_path):
    import_bundle(tmp_path, name="flat.zip")
    from_zip = snapshot()
    Staff.objects.all().delete()
    call_command("import_roster", SAMPLE, verbosity=0)
    assert snapshot()[0] == from_zip[0]


def test_a_zip_of_the_export_folder_is_read_too(db, tmp_path):
    path = tmp_path / "export.zip"
    path.write_bytes(zipped(sample_files(), folder="oneroster-2026-08-01/"))
    call_command("import_roster", path, verbosity=0)
    assert Staff.objects.count() == 9


def test_reimporting_the_bundle_changes_nothing(db, tmp_path, capsys):
    import_bundle(tmp_path)
    before = snapshot()
    updated_at = sorted(Staff.objects.values_list("updated_at", flat=True))
    import_bundle(tmp_path)
    assert "nothing changed" in capsys.readouterr().out
    assert snapshot() == before
    assert sorted(Staff.objects.values_list("updated_at", flat=True)) == updated_at


def test_a_record_not_newer_than_the_last_import_is_not_a_change(db, tmp_path):
    import_bundle(tmp_path)
    renamed = [("Aoife,O'Brien-Núñez", "Aoife,O'Brien")]
    plan = bundle_plan(sample_files(users=renamed))
    assert plan.summary()["updated"] == 0 and plan.not_newer == 9
    import_bundle(tmp_path, sample_files(users=renamed))
    assert staff("T-5001").last_name == "O'Brien-Núñez"


def test_a_newer_record_updates_the_staff_member_and_stores_its_date(db, tmp_path):
    import_bundle(tmp_path)
    newer = [
        (
            "u-obrien,active,2026-08-01T12:00:00.000Z,true,aoife.obrien,{HR:E-5001},Aoife,"
            "O'Brien-Núñez",
            f"u-obrien,active,{LATER},true,aoife.obrien,{{HR:E-5001}},Aoife,O'Brien",
        )
    ]
    import_bundle(tmp_path, sample_files(users=newer))
    obrien = staff("T-5001")
    assert obrien.last_name == "O'Brien"
    assert obrien.source_modified_at.isoformat() == "2026-09-15T08:00:00+00:00"


def test_an_edit_made_by_hand_stays_until_the_student_information_system_changes(db, tmp_path):
    import_bundle(tmp_path)
    chen = staff("T-5002")
    chen.job_title = "Department chair"
    chen.save()
    import_bundle(tmp_path)
    assert staff("T-5002").job_title == "Department chair"


def test_tobedeleted_marks_someone_on_the_roster_inactive_and_ends_their_sign_in(db, tmp_path):
    import_bundle(tmp_path)
    chen = staff("T-5002")
    chen.user.is_active = True
    chen.user.save()
    deleted = [
        (
            "u-chen,active,2026-08-01T12:00:00.000Z",
            f"u-chen,tobedeleted,{LATER}",
        )
    ]
    import_bundle(tmp_path, sample_files(users=deleted))
    chen = staff("T-5002")
    assert not chen.is_active and not chen.user.is_active
    assert Staff.objects.filter(employee_id="T-5002").exists()  # never deleted


def test_tobedeleted_without_roles_left_still_marks_them_inactive(db, tmp_path):
    import_bundle(tmp_path)
    gone = sample_files(
        users=[("u-chen,active,2026-08-01T12:00:00.000Z", f"u-chen,tobedeleted,{LATER}")],
        roles=[
            (
                "r-chen,active,2026-08-01T12:00:00.000Z,u-chen,primary,teacher,2015-08-24,,"
                "org-riverside,\n",
                "",
            )
        ],
    )
    plan = bundle_plan(gone)
    assert [s.employee_id for s in plan.deactivated] == ["T-5002"]
    import_bundle(tmp_path, gone)
    assert not staff("T-5002").is_active


def test_an_extension_role_becomes_a_readable_job_title(db):
    call_command("import_roster", SAMPLE, verbosity=0)
    plan = bundle_plan(
        sample_files(
            roles=[
                (
                    "2026-08-01T12:00:00.000Z,u-whitfield,primary,counselor",
                    f"{LATER},u-whitfield,primary,ext:speechTherapist",
                )
            ]
        )
    )
    [(row, _, changed)] = plan.updated
    assert (row.employee_id, row.job_title, changed) == (
        "T-5006",
        "Speech therapist",
        ["job_title"],
    )


def test_a_role_that_ended_makes_the_person_inactive(db, tmp_path):
    import_bundle(tmp_path)
    ended = [
        (
            "r-raman,active,2026-08-01T12:00:00.000Z,u-raman,primary,teacher,2021-08-23,,",
            f"r-raman,active,{LATER},u-raman,primary,teacher,2021-08-23,2026-06-30,",
        )
    ]
    import_bundle(tmp_path, sample_files(roles=ended))
    assert not staff("T-5003").is_active


def test_the_employee_id_can_come_from_user_ids_when_the_district_says_so(db, settings):
    settings.ONEROSTER_EMPLOYEE_ID = "userIds:HR"
    call_command("import_roster", SAMPLE, verbosity=0)
    assert staff("E-5001").last_name == "O'Brien-Núñez"
    assert Staff.objects.count() == 9


# --- refused bundles: one message naming file, line and field; nothing changes ---------------

BAD_RECORDS = {
    "role for an unknown user": (
        {"roles": [("u-chen,primary", "u-nobody,primary")]},
        'roles.csv, line 3, field userSourcedId: no user with sourcedId "u-nobody" in users.csv',
    ),
    "role at an unknown org": (
        {"roles": [("2015-08-24,,org-riverside", "2015-08-24,,org-nowhere")]},
        'roles.csv, line 3, field orgSourcedId: no org with sourcedId "org-nowhere" in orgs.csv',
    ),
    "impossible begin date": (
        {"roles": [("teacher,2021-08-23", "teacher,2021-02-30")]},
        'roles.csv, line 4, field beginDate: "2021-02-30" is not a date (use YYYY-MM-DD)',
    ),
    "bad dateLastModified": (
        {"users": [("u-raman,active,2026-08-01T12:00:00.000Z", "u-raman,active,yesterday")]},
        'users.csv, line 4, field dateLastModified: "yesterday" is not a date and time',
    ),
    "duplicate user sourcedId": (
        {"users": [("u-whitfield,", "u-chen,")]},
        "users.csv, line 7, field sourcedId: duplicate sourcedId u-chen (also on line 3)",
    ),
    "duplicate org sourcedId": (
        {"orgs": [("org-oakhill,", "org-maple,")]},
        "orgs.csv, line 5, field sourcedId: duplicate sourcedId org-maple (also on line 3)",
    ),
    "unknown role": (
        {"roles": [("primary,aide", "primary,janitor")]},
        'roles.csv, line 6, field role: "janitor" is not a OneRoster 1.2 role',
    ),
    "missing family name": (
        {"users": [("Priya,Raman", "Priya,")]},
        "users.csv, line 4, field familyName: missing value",
    ),
    "malformed e-mail": (
        {"users": [("dana.whitfield@wps.example", "dana.whitfield@")]},
        'users.csv, line 7, field email: "dana.whitfield@" is not a valid e-mail address',
    ),
    "bad status": (
        {"users": [("u-bell,active", "u-bell,inactive")]},
        'users.csv, line 5, field status: "inactive" is not active or tobedeleted',
    ),
}


@pytest.mark.parametrize("case", BAD_RECORDS, ids=list(BAD_RECORDS))
def test_a_bad_record_is_refused_with_file_line_and_field_and_changes_nothing(
    db, tmp_path, case, capsys
):
    replacements, message = BAD_RECORDS[case]
    plan = bundle_plan(sample_files(**replacements))
    assert [str(r) for r in plan.rejected if str(r).startswith(message)], [
        str(r) for r in plan.rejected
    ]
    before = snapshot()
    with pytest.raises(RosterInvalid):
        roster_apply(plan=plan)
    with pytest.raises(CommandError, match="nothing was imported"):
        import_bundle(tmp_path, sample_files(**replacements))
    assert message in capsys.readouterr().err
    assert snapshot() == before


BAD_BUNDLES = {
    "damaged zip": (
        lambda: zipped(sample_files())[:300],
        "The zip cannot be read",
    ),
    "a zip without a manifest": (
        lambda: zipped(sample_files(manifest=None)),
        "The zip holds no manifest.csv",
    ),
    "a missing roles.csv": (
        lambda: zipped(sample_files(roles=None)),
        "manifest.csv says roles.csv is bulk, but the bundle has no roles.csv",
    ),
    "OneRoster 1.1": (
        lambda: zipped(sample_files(manifest=[("oneroster.version,1.2", "oneroster.version,1.1")])),
        'manifest.csv, line 3, field value: oneroster.version is "1.1"; this import reads '
        "OneRoster 1.2",
    ),
    "roles.csv absent in the manifest": (
        lambda: zipped(sample_files(manifest=[("file.roles,bulk", "file.roles,absent")])),
        'manifest.csv, line 20, field value: file.roles is "absent"',
    ),
    "a column missing": (
        lambda: zipped(sample_files(users=[(",familyName,", ",surname,")])),
        "users.csv, line 1: the column familyName is missing",
    ),
    "not UTF-8": (
        lambda: zipped(
            sample_files() | {"orgs.csv": "sourcedId,name\nx,Caf\xe9\n".encode("latin-1")}
        ),
        "orgs.csv is not UTF-8 text",
    ),
}


@pytest.mark.parametrize("case", BAD_BUNDLES, ids=list(BAD_BUNDLES))
def test_a_bundle_that_cannot_be_read_is_refused_in_one_sentence(db, case):
    make, message = BAD_BUNDLES[case]
    with pytest.raises(RosterFileError) as refused:
        roster_upload_plan(make())
    assert message in str(refused.value)


def test_an_email_of_someone_else_on_the_roster_is_refused_naming_users_csv(db):
    from .conftest import add_staff

    riverside = Location.objects.create(name="Riverside High School")
    add_staff(riverside, "E-1", "Wei", "Chen", email="wei.chen@wps.example")
    plan = bundle_plan(sample_files())
    assert [str(r) for r in plan.rejected] == [
        "users.csv, line 3, field email: wei.chen@wps.example belongs to employee E-1"
    ]


def test_a_delta_cannot_mark_those_it_does_not_list_inactive(db, tmp_path):
    delta = sample_files(manifest=[("file.users,bulk", "file.users,delta")])
    with pytest.raises(RosterFileError, match="users.csv is a delta"):
        bundle_plan(delta, deactivate_missing=True)
    assert bundle_plan(delta).summary()["new"] == 9


# --- in the admin: the same screens as HR's CSV ----------------------------------------------


def upload(client, data: bytes, name="oneroster.zip", **flags):
    form = {"file": SimpleUploadedFile(name, data, "application/zip")}
    form.update({k: "on" for k, v in flags.items() if v})
    return client.post("/admin/roster/import/", form)


def test_hr_uploads_the_zip_previews_it_and_applies_it_with_an_audit_record(hr_client, hr_user):
    response = upload(hr_client, zipped(sample_files()))
    assert response.status_code == 302
    preview = hr_client.get(response["Location"]).content.decode()
    assert "Roster preview" in preview and "<strong>9</strong> new" in preview
    assert "5 students, guardians and parents ignored (only staff are imported)" in preview
    assert "1 person marked tobedeleted who is not on the roster ignored" in preview
    assert not Staff.objects.exists()

    result = hr_client.post(response["Location"], follow=True).content.decode()
    assert "Roster imported" in result and "<strong>9</strong> created" in result
    assert "5 students, guardians and parents ignored" in result
    record = RosterImport.objects.get()
    assert record.filename == "oneroster.zip" and record.applied_by == hr_user
    assert record.summary["students_ignored"] == 5 and record.summary["new"] == 9
    assert RosterChange.objects.filter(roster_import=record, action="created").count() == 9
    assert ModelLogEntry.objects.filter(action="staff.roster_apply").count() == 1


def test_a_bundle_with_a_bad_record_cannot_be_applied_in_the_admin(hr_client):
    bad = zipped(sample_files(roles=[("u-chen,primary", "u-nobody,primary")]))
    response = upload(hr_client, bad)
    preview = hr_client.get(response["Location"]).content.decode()
    assert "Nothing can be imported while rows are rejected." in preview
    assert '<th scope="col">File</th>' in preview and "userSourcedId" in preview
    applied = hr_client.post(response["Location"], follow=True).content.decode()
    assert "nothing was imported" in applied
    assert not Staff.objects.exists() and RosterImport.objects.get().applied_at is None


def test_an_unreadable_zip_is_refused_on_the_upload_page_and_nothing_is_kept(hr_client):
    response = upload(
        hr_client,
        zipped(sample_files(manifest=[("oneroster.version,1.2", "oneroster.version,1.1")])),
    )
    assert response.status_code == 200
    assert "oneroster.version is &quot;1.1&quot;" in response.content.decode()
    assert not RosterImport.objects.exists() and not Staff.objects.exists()


def test_the_admin_refuses_marking_missing_staff_inactive_with_a_delta(hr_client):
    delta = zipped(sample_files(manifest=[("file.users,bulk", "file.users,delta")]))
    response = upload(hr_client, delta, deactivate_missing=True)
    assert response.status_code == 200
    assert "users.csv is a delta" in response.content.decode()
    assert not RosterImport.objects.exists()


def test_hr_csv_still_imports_through_the_same_upload(hr_client):
    csv = (
        "employee_id,first_name,last_name,email,location,job_title,hire_date,active\n"
        "E1,Ann,Lee,ann@district.example,Riverside High School,Teacher,2020-08-24,yes\n"
    )
    response = upload(hr_client, csv.encode(), name="roster.csv")
    hr_client.post(response["Location"])
    assert staff("E1").source_modified_at is None
