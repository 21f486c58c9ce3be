"""eupsite.bulk.bulk_insert: COPY on PostgreSQL (.ci/run), bulk_create on SQLite; the same
rows and the same errors either way."""

import pytest
from django.db import IntegrityError, transaction

from eupsite.bulk import bulk_insert
from staff.models import Location

pytestmark = pytest.mark.django_db


def test_new_rows_are_written_and_given_their_ids():
    rows = bulk_insert(Location, [Location(name="Maple"), Location(name="Oak Hill")])
    assert all(row.pk for row in rows)
    assert dict(Location.objects.values_list("pk", "name")) == {row.pk: row.name for row in rows}


def test_a_duplicate_writes_nothing_of_the_batch():
    Location.objects.create(name="Maple")
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(Location, [Location(name="Oak Hill"), Location(name="Maple")])
    assert list(Location.objects.values_list("name", flat=True)) == ["Maple"]


def test_ignoring_conflicts_leaves_existing_rows_as_they_are_and_writes_the_rest():
    kept = Location.objects.create(name="Maple")
    bulk_insert(
        Location,
        [Location(name="Oak Hill"), Location(name="Maple"), Location(name="Riverside")],
        ignore_conflicts=True,
    )
    assert sorted(Location.objects.values_list("name", flat=True)) == [
        "Maple",
        "Oak Hill",
        "Riverside",
    ]
    assert Location.objects.get(name="Maple").pk == kept.pk
    # A second batch in the same transaction (the temporary table is gone again).
    bulk_insert(Location, [Location(name="Pine")], ignore_conflicts=True)
    assert Location.objects.count() == 4
