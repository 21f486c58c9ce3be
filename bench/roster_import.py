"""Benchmark: the roster import of 20,000 staff (40 locations) beside its floor, PostgreSQL's
COPY of the same rows into the same tables, measured interleaved in one run.

    make bench-roster
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eup_bench_mine make bench-roster

The database (default eup_bench_roster; its name must start with eup_bench) is dropped and
created fresh, migrated, given the course (load_course: one course, assigned to everyone) and
the current training cycle, so that an import also makes assignments, as it does in a district.
Each round, in alternating order, measures:

- the product: the admin's upload and "Apply" (RosterImport row, then roster_import_apply: the
  plan read inside the transaction, login accounts, staff, assignments in the current cycle,
  RosterChange rows, the audit entry), all in one transaction; then the same file imported
  again (nothing changes);
- the floor: the rows those same writes leave, built before the clock starts, written with
  psycopg 3's COPY in one transaction: staff_location, auth_user, staff_staff,
  staff_assignment and staff_rosterchange (everything the import writes except its one
  RosterImport row and one audit entry). The floor of auth_user + staff_staff alone is
  printed too.

Between measurements the tables are emptied (TRUNCATE; the imported login accounts deleted) and
vacuumed. BENCH_PROFILE=cumulative (or tottime) prints a cProfile of one first import
instead. Target (issue L): the import within 3x the floor. Output: bench/results/roster_import.txt.
"""

import csv
import io
import os
import platform
import resource
import secrets
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROWS = int(os.environ.get("BENCH_ROWS", "20000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
LOCATIONS = 40
TARGET = 3.0
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/eup_bench_roster"
RESULTS = Path(__file__).resolve().parent / "results" / "roster_import.txt"
# Tables an import fills with one row or more per person, emptied between measurements.
PER_ROW_TABLES = ["staff_rosterchange", "staff_assignment", "staff_staff", "staff_rosterimport"]

lines: list[str] = []


def say(text: str = "") -> None:
    print(text, flush=True)
    lines.append(text)


def roster_csv() -> str:
    out = io.StringIO()
    out.write("employee_id,first_name,last_name,email,location,job_title,hire_date,active\n")
    for n in range(ROWS):
        out.write(
            f"E{n:06d},Zoë{n},O'Neil-Núñez{n},staff{n}@district.example,"
            f"School {n % LOCATIONS:02d},Teacher,{2000 + n % 26}-0{1 + n % 9}-1{n % 9},yes\n"
        )
    return out.getvalue()


def fresh_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    if not name.startswith("eup_bench"):
        sys.exit(f"The benchmark drops and creates its database: {name} is not eup_bench_*.")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("The floor is PostgreSQL's COPY: set DATABASE_URL to a PostgreSQL database.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eupsite.settings.dev")
    fresh_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from staff.models import Assignment, RosterChange, RosterImport, Staff
    from staff.services import cycle_current, cycle_dates_for_year, cycle_open, roster_import_apply

    settings.DEBUG = False  # no query log: it would hold every INSERT's text
    User = get_user_model()
    call_command("migrate", verbosity=0)
    call_command("load_course", verbosity=0)
    today = timezone.localdate()
    year = today.year if cycle_dates_for_year(today.year)["starts_on"] <= today else today.year - 1
    cycle_open(year=year)
    cycle = cycle_current()
    admin = User.objects.create_superuser("bench-admin", "admin@district.example", None)
    text = roster_csv()
    pg_version = connection.cursor().connection.info.server_version
    say(
        f"{date.today().isoformat()}, {platform.node()} ({os.cpu_count()} cores), make bench-roster"
    )
    say(
        f"database: PostgreSQL {pg_version // 10000}.{pg_version % 10000} "
        f"({connection.settings_dict['HOST']}, {connection.settings_dict['NAME']})"
    )
    say(f"roster: {ROWS} rows, {LOCATIONS} locations, {len(text.encode()) / 1e6:.1f} MB")

    def reset() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(PER_ROW_TABLES)} RESTART IDENTITY CASCADE")
            cursor.execute("DELETE FROM staff_location")
            cursor.execute("DELETE FROM auth_user WHERE id <> %s", [admin.pk])
            cursor.execute("DELETE FROM wagtailcore_modellogentry WHERE action LIKE 'staff.%%'")
            cursor.execute("VACUUM ANALYZE")

    queries = {"n": 0}

    def count(execute, sql, params, many, context):
        queries["n"] += 1
        return execute(sql, params, many, context)

    def product_import() -> tuple[float, int]:
        queries["n"] = 0
        started = time.perf_counter()
        with connection.execute_wrapper(count):
            upload = RosterImport.objects.create(
                filename="roster.csv", content=text, uploaded_by=admin
            )
            _, applied = roster_import_apply(roster_import_id=upload.pk, by=admin)
        elapsed = time.perf_counter() - started
        if not applied:
            sys.exit("The import was not applied: the benchmark is measuring nothing.")
        return elapsed, queries["n"]

    rusage_after_product = 0

    def product() -> dict:
        nonlocal rusage_after_product
        first, first_queries = product_import()
        rusage_after_product = max(
            rusage_after_product, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        )
        counts = {
            "staff": Staff.objects.count(),
            "users": User.objects.exclude(pk=admin.pk).count(),
            "assignments": Assignment.objects.count(),
            "changes": RosterChange.objects.count(),
        }
        if counts["staff"] != ROWS or counts["users"] != ROWS:
            sys.exit(f"The import wrote {counts}, not {ROWS} staff and login accounts.")
        second, second_queries = product_import()
        if RosterImport.objects.latest("pk").summary["unchanged"] != ROWS:
            sys.exit("The second import changed something: it should change nothing.")
        return {
            "first": first,
            "first_queries": first_queries,
            "second": second,
            "second_queries": second_queries,
            "counts": counts,
        }

    def floor_rows() -> dict:
        """The rows the import leaves, as COPY writes them (built before the clock starts)."""
        from staff.folding import staff_search_text
        from staff.selectors import assignment_due_on

        now = timezone.now()
        first_user = User.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
        reader = csv.reader(io.StringIO(text))
        next(reader)
        names = sorted({f"School {n:02d}" for n in range(LOCATIONS)})
        location_ids = {name: n + 1 for n, name in enumerate(names)}
        course_id = Assignment._meta.get_field("course").related_model.objects.get().pk
        users, staff, assignments, changes = [], [], [], []
        for n, (employee_id, first, last, email, location, job, hired, _active) in enumerate(
            reader
        ):
            user_id, staff_id = first_user + n, n + 1
            hire_date = date.fromisoformat(hired)
            users.append(
                (user_id, "!" + secrets.token_urlsafe(30), False, email, first, last, email)
                + (False, False, now)
            )
            search_text = staff_search_text(
                first_name=first, last_name=last, employee_id=employee_id
            )
            staff.append(
                (staff_id, employee_id, first, last, email, location_ids[location], job)
                + (hire_date, True, user_id, now, now, search_text)
            )
            kind, due_on = assignment_due_on(cycle=cycle, hire_date=hire_date)
            assignments.append((staff_id, cycle.pk, course_id, kind, due_on, now))
            changes.append((1, staff_id, "created", employee_id, f"{first} {last}", location, "[]"))
        return {
            "locations": [(pk, name) for name, pk in location_ids.items()],
            "users": users,
            "staff": staff,
            "assignments": assignments,
            "changes": changes,
            "now": now,
        }

    copies = {
        "locations": "COPY staff_location (id, name) FROM STDIN",
        "users": "COPY auth_user (id, password, is_superuser, username, first_name, last_name, "
        "email, is_staff, is_active, date_joined) FROM STDIN",
        "staff": "COPY staff_staff (id, employee_id, first_name, last_name, email, location_id, "
        "job_title, hire_date, is_active, user_id, created_at, updated_at, search_text) "
        "FROM STDIN",
        "assignments": "COPY staff_assignment (staff_id, cycle_id, course_id, kind, due_on, "
        "created_at) FROM STDIN",
        "changes": "COPY staff_rosterchange (roster_import_id, staff_id, action, employee_id, "
        "full_name, location_name, changes) FROM STDIN",
    }

    def copy(rows: dict, tables: list[str]) -> float:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3's own cursor
            if "changes" in tables:
                raw.execute(
                    "INSERT INTO staff_rosterimport (id, filename, content, bundle, "
                    "uploaded_by_id, uploaded_at, deactivate_missing, skip_invalid, summary) "
                    "VALUES (1, 'roster.csv', %s, '', %s, %s, false, false, '{}')",
                    [text, admin.pk, rows["now"]],
                )
            for table in tables:
                with raw.copy(copies[table]) as feed:
                    for row in rows[table]:
                        feed.write_row(row)
            for table in ("staff_location", "auth_user", "staff_staff", "staff_rosterimport"):
                raw.execute(  # the table names are the constants above
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
        return time.perf_counter() - started

    all_tables = ["locations", "users", "staff", "assignments", "changes"]
    if os.environ.get("BENCH_PROFILE"):
        # Where the first import's time goes, instead of the timings.
        import cProfile
        import pstats

        reset()
        if os.environ["BENCH_PROFILE"] == "phases":
            # Wall-clock time of each step, without cProfile's per-call overhead.
            import functools

            import staff.oneroster
            import staff.selectors
            import staff.services

            spent: dict[str, float] = {}

            def timed(module, name):
                original = getattr(module, name)

                @functools.wraps(original)
                def wrapper(*args, **kwargs):
                    started = time.perf_counter()
                    try:
                        return original(*args, **kwargs)
                    finally:
                        spent[name] = spent.get(name, 0) + time.perf_counter() - started

                setattr(module, name, wrapper)

            for module, name in [
                (staff.services, "roster_upload_plan"),
                (staff.services, "roster_apply"),
                (staff.services, "login_accounts_ensure"),
                (staff.services, "bulk_insert"),
                (staff.services, "assignments_missing_rows"),
                (staff.services, "_roster_changes"),
                (staff.services, "_locations_ensure"),
            ]:
                timed(module, name)
            elapsed, _ = product_import()
            for name, seconds in spent.items():
                say(f"{name}: {seconds:.2f} s")
            say(f"whole import: {elapsed:.2f} s")
            return
        profile = cProfile.Profile()
        profile.enable()
        product_import()
        profile.disable()
        stats = pstats.Stats(profile).sort_stats(os.environ["BENCH_PROFILE"])
        stats.print_stats(45)
        return
    results: dict[str, list] = {"product": [], "floor": [], "floor_users_staff": []}
    reset()
    for round_number in range(ROUNDS):
        order = ["product", "floor"] if round_number % 2 == 0 else ["floor", "product"]
        for which in order:
            if which == "product":
                results["product"].append(product())
            else:
                rows = floor_rows()
                results["floor"].append(copy(rows, all_tables))
                reset()
                rows = floor_rows()
                results["floor_users_staff"].append(copy(rows, ["locations", "users", "staff"]))
                del rows
            reset()
        product_round = results["product"][-1]
        say(
            f"round {round_number + 1} ({' then '.join(order)}): "
            f"import {product_round['first']:.2f} s, again {product_round['second']:.2f} s; "
            f"COPY {results['floor'][-1]:.2f} s "
            f"(auth_user + staff_staff only {results['floor_users_staff'][-1]:.2f} s)"
        )

    product_median = statistics.median(p["first"] for p in results["product"])
    second_median = statistics.median(p["second"] for p in results["product"])
    floor_median = statistics.median(results["floor"])
    narrow_median = statistics.median(results["floor_users_staff"])
    last = results["product"][-1]
    counts = last["counts"]
    ratio = product_median / floor_median
    say()
    say(f"medians of {ROUNDS} rounds, interleaved (order alternating), tables emptied between")
    say(
        f"first import (all new), admin upload + apply: {product_median:.2f} s, "
        f"{last['first_queries']} queries; wrote {counts['users']} login accounts, "
        f"{counts['staff']} staff, {counts['assignments']} assignments, "
        f"{counts['changes']} roster changes, 1 import, 1 audit entry"
    )
    say(f"second import (nothing changes): {second_median:.2f} s, {last['second_queries']} queries")
    say(
        f"floor, COPY of the same rows into staff_location, auth_user, staff_staff, "
        f"staff_assignment, staff_rosterchange (+1 staff_rosterimport row): {floor_median:.2f} s"
    )
    say(f"floor, COPY into staff_location, auth_user and staff_staff only: {narrow_median:.2f} s")
    say(
        f"ratio import / COPY floor: {ratio:.1f}x (target <= {TARGET:.0f}x: "
        f"{'met' if ratio <= TARGET else 'NOT met'}); against the auth_user + staff_staff "
        f"floor: {product_median / narrow_median:.1f}x"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say(
        f"peak memory (max RSS of the process): {rusage_after_product / 1024:.0f} MB after the "
        f"first import; {peak:.0f} MB for the whole run"
    )
    say(f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
