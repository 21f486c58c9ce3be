"""Benchmark: the completion dashboard and the staff report over 20,000 staff at 40 locations
with three cycles of history, each page against its own SQL. Target (issue L, item 6): each
page at most 1.2 times the time of the SQL statements its request runs.

    make bench-reports

On PostgreSQL: the database named by DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/eup_bench_reports, which is then dropped and created fresh.
(Another DATABASE_URL must name an empty database.) Production-like: DEBUG off and cached
templates. Each page's statements are captured once (CaptureQueriesContext) and then executed
raw through a cursor, all rows fetched; pages and their SQL are timed in turn, round by round,
so that other jobs on the machine slow both alike. BENCH_REUSE=1 keeps a database an earlier
run built; BENCH_PROFILE=<page label> prints a cProfile of that page instead of timing.
"""

import cProfile
import io
import os
import platform
import pstats
import random
import re
import resource
import socket
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

STAFF = int(os.environ.get("BENCH_STAFF", "20000"))
LOCATIONS = 40
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "11"))
TARGET = 1.2
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/eup_bench_reports"
DECLARE = re.compile(r'^DECLARE "?\w+"? (?:NO SCROLL )?CURSOR (?:WITH(?:OUT)? HOLD )?FOR ')
CSV = "staff report, CSV export"
CSV_ROUNDS = 3
RESULTS = Path(__file__).resolve().parent / "results" / "report_pages.txt"

lines: list[str] = []


def say(text: str = "") -> None:
    print(text, flush=True)  # noqa: T201 - the benchmark's report
    lines.append(text)


def recreate_default_database(reuse: bool) -> None:
    """Drop and create the benchmark's own database (never another one)."""
    import psycopg

    with psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
    ) as maintenance:
        exists = maintenance.execute(
            "SELECT 1 FROM pg_database WHERE datname = 'eup_bench_reports'"
        ).fetchone()
        if reuse and exists:
            return
        maintenance.execute("DROP DATABASE IF EXISTS eup_bench_reports")
        maintenance.execute("CREATE DATABASE eup_bench_reports")


def build(rng):
    """20,000 staff at 40 locations, three cycles of assignments; returns the cycles."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from quizzes.models import Attempt, Quiz
    from staff.models import Assignment, AssignmentAdjustment, Location, Staff
    from staff.services import cycle_open

    call_command("load_course", verbosity=0)
    started = time.perf_counter()
    User = get_user_model()
    User.objects.bulk_create(
        # "!" is Django's mark for an unusable password.
        [User(username=f"s{n}@district.example", password="!") for n in range(STAFF)],  # noqa: S106
        batch_size=2000,
    )
    users = dict(User.objects.values_list("username", "pk"))
    locations = Location.objects.bulk_create(
        [Location(name=f"School {n:02d}") for n in range(LOCATIONS)]
    )
    titles = ["Teacher", "Paraprofessional", "School Counselor", "Principal", "Custodian"]
    Staff.objects.bulk_create(
        [
            Staff(
                employee_id=f"E{n:06d}",
                first_name=f"First{n}",
                last_name=f"Last{n:06d}",
                email=f"s{n}@district.example",
                location=locations[n % LOCATIONS],
                job_title=titles[n % len(titles)],
                hire_date=date(2010, 1, 1),
                user_id=users[f"s{n}@district.example"],
            )
            for n in range(STAFF)
        ],
        batch_size=2000,
    )
    today = date.today()
    year = today.year if today.month >= 7 else today.year - 1
    cycles = [cycle_open(year=y)[0] for y in (year - 2, year - 1, year)]
    # History: most completed earlier cycles; this cycle a mix of every status.
    for cycle in cycles:
        done_share = 0.9 if cycle is not cycles[-1] else 0.45
        rows = list(Assignment.objects.filter(cycle=cycle).values_list("pk", flat=True))
        done = [pk for pk in rows if rng.random() < done_share]
        Assignment.objects.filter(pk__in=done).update(
            completed_at=datetime.combine(cycle.refresher_due_on, datetime.min.time(), UTC)
            - timedelta(days=3)
        )
    # This cycle, one in twenty exempt and one in twenty given an extension, as HR would.
    hr = User.objects.create_user("bench-hr@district.example")
    open_rows = list(
        Assignment.objects.filter(cycle=cycles[-1], completed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    AssignmentAdjustment.objects.bulk_create(
        [
            AssignmentAdjustment(
                assignment_id=pk,
                kind="exemption" if n % 2 else "extension",
                due_on=None if n % 2 else cycles[-1].ends_on,
                reason="Long-term leave",
                made_by=hr,
            )
            for n, pk in enumerate(rng.sample(open_rows, STAFF // 10))
        ],
        batch_size=2000,
    )
    quiz = Quiz.objects.order_by("section__path").first()
    active = rng.sample(range(STAFF), STAFF // 4)
    Attempt.objects.bulk_create(
        [
            Attempt(
                user_id=users[f"s{n}@district.example"],
                quiz=quiz,
                number=1,
                question_count=6,
                pass_mark=80,
            )
            for n in active
        ],
        batch_size=2000,
    )
    User.objects.create_superuser("bench-admin@district.example", password="x")  # noqa: S106
    say(
        f"built {STAFF} staff, {LOCATIONS} locations, 3 cycles, {len(active)} attempts, "
        f"{STAFF // 10} extensions and exemptions in {time.perf_counter() - started:.1f} s"
    )


def main() -> None:
    reuse = os.environ.get("BENCH_REUSE") == "1"
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = DEFAULT_DATABASE_URL
        recreate_default_database(reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eupsite.settings.dev")
    import django
    from django.conf import settings

    # Production-like: the settings module is the developer's, without DEBUG (no query log,
    # no debug template context).
    settings.DEBUG = False
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.template import engines
    from django.template.loaders.cached import Loader as CachedLoader
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from staff.models import Staff, TrainingCycle

    settings.ALLOWED_HOSTS = ["*"]
    engine = engines["django"].engine
    if engine.debug or not isinstance(engine.template_loaders[0], CachedLoader):
        sys.exit("The templates must be cached and not in debug mode for this benchmark.")
    if connection.vendor != "postgresql":
        sys.exit("The benchmark runs on PostgreSQL: set DATABASE_URL to a postgres:// address.")
    call_command("migrate", verbosity=0)
    if reuse and Staff.objects.exists():
        say(f"reusing the database built earlier ({Staff.objects.count()} staff)")
    elif Staff.objects.exists():
        sys.exit("The benchmark needs an empty database: point DATABASE_URL at a new one.")
    else:
        build(random.Random(7))  # noqa: S311 - repeatable fake data
    cycle = TrainingCycle.objects.order_by("-starts_on").first()

    admin = get_user_model().objects.get(username="bench-admin@district.example")
    client = Client()
    client.force_login(admin)
    # As after typing the authenticator's code: administrators' sessions pass a second factor.
    device, _created = TOTPDevice.objects.get_or_create(
        user=admin, name="Benchmark", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    pages = [
        ("dashboard", f"/admin/completion/?cycle={cycle.pk}"),
        ("staff report, first page", "/admin/completion/staff/"),
        ("staff report, overdue filter", "/admin/completion/staff/?status=overdue"),
        ("staff report, sorted by status", "/admin/completion/staff/?ordering=status"),
        (CSV, "/admin/completion/staff/?export=csv"),
    ]

    def fetch(url: str) -> int:
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return len(content)

    def run_sql(statements: list[str]) -> None:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()

    profiled = os.environ.get("BENCH_PROFILE")
    if profiled:
        url = dict(pages)[profiled]
        fetch(url)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(3):
            fetch(url)
        profile.disable()
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
        stats.print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        print(out.getvalue())  # noqa: T201 - the benchmark's report
        return

    # Once each: warm the caches, then capture the statements each request runs.
    captured = {}
    sizes = {}
    for label, url in pages:
        fetch(url)
        with CaptureQueriesContext(connection) as queries:
            sizes[label] = fetch(url)
        # A server-side cursor's DECLARE runs here as the plain query it declares.
        captured[label] = [DECLARE.sub("", query["sql"]) for query in queries.captured_queries]
        run_sql(captured[label])

    timings = {label: ([], []) for label, _url in pages}
    for number in range(ROUNDS):
        for label, url in pages:
            if label == CSV and number >= CSV_ROUNDS:
                continue  # seconds a time: fewer rounds
            page, sql = timings[label]
            t0 = time.perf_counter()
            fetch(url)
            page.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            run_sql(captured[label])
            sql.append(time.perf_counter() - t0)

    say(
        f"{date.today():%Y-%m-%d}, {socket.gethostname()} ({os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}), PostgreSQL "
        f"{connection.pg_version // 10000} at {connection.settings_dict['HOST']} "
        f"({connection.settings_dict['NAME']}), DEBUG off, cached templates, make bench-reports"
    )
    say(
        f"{STAFF} staff, {LOCATIONS} locations, 3 cycles; medians of {ROUNDS} interleaved "
        f"rounds ({CSV_ROUNDS} for the CSV export; page, then its own SQL run raw with every row "
        f"fetched); target <= {TARGET}x"
    )
    say()
    say(f"{'page':34} {'page ms':>8} {'SQL ms':>8} {'ratio':>6} {'queries':>8}  target")
    for label, _url in pages:
        page, sql = (statistics.median(t) * 1000 for t in timings[label])
        ratio = page / sql
        verdict = "ok" if ratio <= TARGET else "OVER"
        say(
            f"{label:34} {page:8.1f} {sql:8.1f} {ratio:6.2f} {len(captured[label]):8d}  "
            f"<= {TARGET}x {verdict}"
        )
    say()
    say(f"CSV export of every row: {sizes[CSV] / 1e6:.1f} MB")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say(f"peak memory (max RSS of the process): {peak_mb:.0f} MB")
    RESULTS.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
