"""Writing many new rows at once, faster than bulk_create where the database allows it.

On PostgreSQL, bulk_insert takes the new ids from the table's sequence in one query and sends
the rows with COPY: for the 20,000 staff of a roster import, Django's bulk_create spends most
of its time turning each field of each object into a query parameter and psycopg most of the
rest quoting them into arrays, which COPY does not need. The rows are tuples of values, with no
model object made: making 20,000 of them (Model.__init__, its signals, the related-object
checks) took as long as writing them. The database checks the rows exactly as for an INSERT
(types, NOT NULL, unique, foreign keys, check constraints). Elsewhere (SQLite, which the tests
and `make run` use, has no COPY) it is bulk_create.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from django.db import connections, models, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

# Fields whose Python value psycopg writes as the column wants it, with nothing for Django's
# get_db_prep_save to convert (the others, such as JSONField, go through it).
_AS_IS = (
    models.BooleanField,
    models.CharField,
    models.DateField,
    models.ForeignKey,
    models.IntegerField,
    models.TextField,
)


def bulk_insert(
    model: type[models.Model],
    *,
    fields: Sequence[str],
    rows: list[tuple],
    using: str = "default",
    ignore_conflicts=False,
) -> list[int] | None:
    """Insert `rows`, each a tuple of the values of the named `fields` (attnames, such as
    location_id) of `model`, without making a model object per row. Every concrete field
    but the primary key and the auto_now and auto_now_add dates (set to one moment for all)
    must be named: a model's Python defaults are not the database's. Returns the new primary
    keys in the order of `rows`; None with `ignore_conflicts`, which, as bulk_create's,
    leaves out a row that would break a unique constraint (another transaction wrote it
    first). COPY cannot skip a row, so those rows are copied into a temporary table and moved
    with INSERT ... ON CONFLICT DO NOTHING.

    Raises ValueError for a field missing or unknown, writing nothing; what the INSERT would
    (IntegrityError for a duplicate, say), writing nothing of the batch. Like bulk_create, no
    save() is called and no signal sent."""
    connection = connections[using]
    opts = model._meta
    by_name = {f.attname: f for f in opts.concrete_fields if not f.primary_key}
    unknown = [name for name in fields if name not in by_name]
    if unknown:
        raise ValueError(f"{opts.label} has no field {', '.join(unknown)} to insert into.")
    named = [by_name[name] for name in fields]
    dated = _dated(by_name.values())
    missing = [name for name, f in by_name.items() if f not in named and f not in dated]
    if missing:
        raise ValueError(f"bulk_insert into {opts.label} lacks {', '.join(missing)}.")
    if not rows:
        return None if ignore_conflicts else []
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model._default_manager.using(using).bulk_create(
            objs, batch_size=1000, ignore_conflicts=ignore_conflicts
        )
        return None if ignore_conflicts else [obj.pk for obj in objs]
    named_dated = [f for f in dated if f not in named]
    columns = named + named_dated
    dated_values = [dated[f] for f in named_dated]
    converted = [
        (index, prepare)
        for index, f in enumerate(named)
        if (prepare := _preparer(f, connection)) is not None
    ]

    def prepared() -> Iterator[list]:
        for values in rows:
            row = [*values, *dated_values]
            for index, prepare in converted:
                row[index] = prepare(row[index])
            yield row

    ids = _copy(
        model,
        columns,
        prepared(),
        len(rows),
        connection=connection,
        ignore_conflicts=ignore_conflicts,
    )
    return None if ignore_conflicts else ids


def _dated(fields) -> dict:
    """The auto_now and auto_now_add fields among `fields`, each with the value they get: one
    moment for a whole insert."""
    now = timezone.now()
    return {
        f: now if isinstance(f, models.DateTimeField) else timezone.localdate(now)
        for f in fields
        if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add)
    }


def _preparer(field: models.Field, connection) -> Callable | None:
    """What turns a value of `field` into what psycopg writes to its column; None when the
    value goes as it is."""
    if isinstance(field, _AS_IS) and not isinstance(field, models.DateTimeField):
        return None
    if isinstance(field, models.DateTimeField):
        # An empty or timezone-aware datetime goes as it is; a naive one through Django, which
        # makes it aware.
        def prepare_datetime(value):
            if value is None or (isinstance(value, datetime) and value.tzinfo is not None):
                return value
            return field.get_db_prep_save(value, connection)

        return prepare_datetime
    return lambda value: field.get_db_prep_save(value, connection)


def _copy(model, fields, rows, count: int, *, connection, ignore_conflicts: bool) -> list[int]:
    """COPY the `count` `rows` (values of `fields`) into `model`'s table in one transaction,
    each with a new primary key from the table's sequence; returns those keys in order."""
    opts = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in [opts.pk, *fields])
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, opts.pk.column, count],
        )
        ids = [row[0] for row in cursor.fetchall()]
        table = quote(opts.db_table)
        if ignore_conflicts:
            target = quote(f"bulk_insert_{opts.db_table}")
            cursor.execute(f"CREATE TEMPORARY TABLE {target} (LIKE {table})")
        else:
            target = table
        # psycopg's own cursor: its errors are turned into Django's (IntegrityError) here.
        copying = cursor.cursor.copy(f"COPY {target} ({columns}) FROM STDIN")
        with connection.wrap_database_errors, copying as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row([pk, *row])
        if ignore_conflicts:
            # Names from the model's own metadata, quoted: nothing from a request.
            move = f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {target} "  # noqa: S608
            cursor.execute(move + "ON CONFLICT DO NOTHING")
            cursor.execute(f"DROP TABLE {target}")
    return ids


def many_values(values, *, using: str = "default"):
    """`values` (strings or integers) as the right side of an __in lookup. With thousands of
    them on PostgreSQL, one array parameter (a subquery unnesting it) instead of a parameter
    each: building and parsing a 20,000-parameter query took longer than running it."""
    values = list(values)
    if connections[using].vendor != "postgresql" or len(values) < MANY_VALUES_FROM:
        return values
    array_type = "bigint[]" if values and isinstance(values[0], int) else "text[]"
    return RawSQL(f"SELECT unnest(%s::{array_type})", (values,))  # noqa: S611


MANY_VALUES_FROM = 1000
