"""Benchmark: import a generated HR roster of 20,000 staff (40 locations) into an empty
database, then import it again (nothing changes). Prints time, peak memory and query counts.

    make bench-roster                       # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eup_bench make bench-roster

Target (issue C): under 10 s and under 250 MB, a constant number of queries per batch.
"""

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROWS = int(os.environ.get("BENCH_ROWS", "20000"))
LOCATIONS = 40


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="eup-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eupsite.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from staff.roster import roster_plan
    from staff.services import roster_apply

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0)
    from staff.models import Staff

    if Staff.objects.exists():
        sys.exit("The benchmark needs an empty database: point DATABASE_URL at a new one.")
    csv_path = workdir / "roster.csv"
    with csv_path.open("w", encoding="utf-8") as handle:
        handle.write("employee_id,first_name,last_name,email,location,job_title,hire_date,active\n")
        for n in range(ROWS):
            handle.write(
                f"E{n:06d},Zoë{n},O'Neil-Núñez{n},staff{n}@district.example,"
                f"School {n % LOCATIONS:02d},Teacher,{2000 + n % 26}-0{1 + n % 9}-1{n % 9},yes\n"
            )
    data = csv_path.read_bytes()
    print(f"roster: {ROWS} rows, {LOCATIONS} locations, {len(data) / 1e6:.1f} MB")

    queries = {"n": 0}

    def count(execute, sql, params, many, context):
        queries["n"] += 1
        return execute(sql, params, many, context)

    for label in ("first import (all new)", "second import (nothing changes)"):
        queries["n"] = 0
        started = time.perf_counter()
        with connection.execute_wrapper(count):
            plan = roster_plan(data)
            roster_apply(plan=plan)
        elapsed = time.perf_counter() - started
        print(f"{label}: {elapsed:.2f} s, {queries['n']} queries, summary {plan.summary()}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of the process): {peak_mb:.0f} MB")
    if connection.vendor == "sqlite":
        os.remove(workdir / "bench.sqlite3")
    sys.exit(0)


if __name__ == "__main__":
    main()
