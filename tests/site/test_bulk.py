"""eupsite.bulk.bulk_insert: COPY on PostgreSQL (.ci/run), bulk_create on SQLite; the same
rows and the same errors either way."""

from datetime import UTC, date, datetime

import pytest
from django.db import IntegrityError, transaction

from eupsite.bulk import bulk_insert, many_values
from staff.models import Location, RosterChange, RosterImport, Staff
from staff.services import NEW_STAFF_FIELDS, ROSTER_CHANGE_FIELDS

pytestmark = pytest.mark.django_db


def locations(*names):
    return [(name,) for name in names]


def test_new_rows_are_written_and_their_ids_returned_in_order():
    ids = bulk_insert(Location, fields=["name"], rows=locations("Maple", "Oak Hill"))
    assert dict(Location.objects.values_list("pk", "name")) == dict(
        zip(ids, ["Maple", "Oak Hill"], strict=True)
    )


def test_dates_json_and_foreign_keys_are_written_as_the_orm_writes_them(django_user_model):
    maple = Location.objects.create(name="Maple")
    hired_at = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
    [pk] = bulk_insert(
        Staff,
        fields=NEW_STAFF_FIELDS,
        rows=[
            (
                "E1",
                "Zoë",
                "O'Neil-Núñez",
                "",
                maple.pk,
                "Teacher",
                date(2024, 3, 1),
                True,
                hired_at,
                "zoe o'neil-nunez e1",
                None,
                None,
            )
        ],
    )
    staff = Staff.objects.get(pk=pk)
    assert (staff.full_name, staff.location, staff.hire_date) == (
        "Zoë O'Neil-Núñez",
        maple,
        date(2024, 3, 1),
    )
    assert staff.source_modified_at == hired_at and staff.invited_at is None
    # auto_now_add and auto_now: one moment, set by the insert.
    assert staff.created_at is not None and staff.updated_at is not None
    upload = RosterImport.objects.create(filename="r.csv", content="x")
    changes = [{"field": "job_title", "old": "Aide", "new": "Teacher"}]
    bulk_insert(
        RosterChange,
        fields=ROSTER_CHANGE_FIELDS,
        rows=[(upload.pk, pk, RosterChange.Action.UPDATED, "E1", "Zoë", "Maple", changes)],
    )
    assert RosterChange.objects.get().changes == changes


def test_a_field_left_out_is_refused_before_anything_is_written():
    with pytest.raises(ValueError, match="lacks .*last_name"):
        bulk_insert(Staff, fields=["employee_id", "first_name"], rows=[("E1", "Ann")])
    with pytest.raises(ValueError, match="has no field nickname"):
        bulk_insert(Location, fields=["name", "nickname"], rows=[("Maple", "M")])
    assert not Location.objects.exists() and not Staff.objects.exists()


def test_a_duplicate_writes_nothing_of_the_batch():
    Location.objects.create(name="Maple")
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(Location, fields=["name"], rows=locations("Oak Hill", "Maple"))
    assert list(Location.objects.values_list("name", flat=True)) == ["Maple"]


def test_ignoring_conflicts_leaves_existing_rows_as_they_are_and_writes_the_rest():
    kept = Location.objects.create(name="Maple")
    bulk_insert(
        Location,
        fields=["name"],
        rows=locations("Oak Hill", "Maple", "Riverside"),
        ignore_conflicts=True,
    )
    assert sorted(Location.objects.values_list("name", flat=True)) == [
        "Maple",
        "Oak Hill",
        "Riverside",
    ]
    assert Location.objects.get(name="Maple").pk == kept.pk
    # A second batch in the same transaction (the temporary table is gone again).
    bulk_insert(Location, fields=["name"], rows=locations("Pine"), ignore_conflicts=True)
    assert Location.objects.count() == 4


@pytest.mark.parametrize("count", [3, 2500])
def test_many_values_finds_the_same_rows_as_a_plain_list(count):
    bulk_insert(Location, fields=["name"], rows=locations(*(f"School {n}" for n in range(count))))
    wanted = {f"School {n}" for n in range(0, count, 2)} | {"Nowhere"}
    by_name = Location.objects.filter(name__in=many_values(wanted))
    assert set(by_name.values_list("name", flat=True)) == wanted - {"Nowhere"}
    ids = list(Location.objects.values_list("pk", flat=True))
    assert Location.objects.filter(pk__in=many_values(ids)).count() == count
