"""Benchmark: the completion dashboard and the staff report over 20,000 staff at 40 locations
with three cycles of history. Reports the server time of each page (median of 5) and peak
memory. Target (issue E): under 500 ms each on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eup_bench_reports make bench-reports
"""

import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

STAFF = int(os.environ.get("BENCH_STAFF", "20000"))
LOCATIONS = 40


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="eup-bench-reports-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eupsite.settings.dev")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from quizzes.models import Attempt, Quiz
    from staff.models import Assignment, AssignmentAdjustment, Location, Staff
    from staff.services import cycle_open

    settings.ALLOWED_HOSTS = ["*"]
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0)
    if Staff.objects.exists():
        sys.exit("The benchmark needs an empty database: point DATABASE_URL at a new one.")
    call_command("load_course", verbosity=0)
    rng = random.Random(7)  # noqa: S311 - repeatable fake data
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
    print(
        f"built {STAFF} staff, {LOCATIONS} locations, 3 cycles, {len(active)} attempts, "
        f"{STAFF // 10} extensions and exemptions "
        f"in {time.perf_counter() - started:.1f} s"
    )

    admin = User.objects.create_superuser("bench-admin@district.example", password="x")  # noqa: S106
    client = Client()
    client.force_login(admin)
    # As after typing the authenticator's code: administrators' sessions pass a second factor.
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.create(
        user=admin, name="Benchmark", confirmed=True
    ).persistent_id
    session.save()
    for label, url in (
        ("dashboard", f"/admin/completion/?cycle={cycles[-1].pk}"),
        ("staff report, first page", "/admin/completion/staff/"),
        ("staff report, overdue filter", "/admin/completion/staff/?status=overdue"),
        ("staff report, sorted by status", "/admin/completion/staff/?ordering=status"),
        ("staff report, exempt filter", "/admin/completion/staff/?status=exempt"),
        ("staff report, sorted by due date", "/admin/completion/staff/?ordering=effective_due_on"),
        ("staff report, search", "/admin/completion/staff/?q=last0123"),
        ("reminder confirmation, overdue", "/admin/completion/staff/remind/?status=overdue"),
    ):
        timings = []
        for _ in range(6):
            t0 = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - t0)
            if response.status_code != 200:
                sys.exit(f"{url} answered {response.status_code}")
        print(
            f"{label}: median {statistics.median(timings[1:]) * 1000:.0f} ms "
            f"(first {timings[0] * 1000:.0f} ms)"
        )
    t0 = time.perf_counter()
    response = client.get("/admin/completion/staff/?export=csv")
    size = sum(len(chunk) for chunk in response.streaming_content)
    print(f"CSV export of all {STAFF} rows: {time.perf_counter() - t0:.2f} s, {size / 1e6:.1f} MB")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of the process): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
