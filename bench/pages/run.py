"""Benchmark: the lesson pages against their references, interleaved in one run.

    make bench-pages     # .venv/bin/python bench/pages/run.py

Production settings (pages_settings.py), PostgreSQL (it drops and re-creates eup_bench_pages at
127.0.0.1:5432, user postgres), Redis database 6, gunicorn with (2 x cores) + 1 sync workers,
and wrk (closed loop, fixed concurrency) sending 50 learners' session cookies in turn. The
pages: a slide, the course page, a plain Wagtail page of similar text (wagtailcore.Page with
templates/wagtailcore/page.html), a bare Django view, a Django view rendering the base
template, and /health/. Each round measures every page once, in turn, so the machine's noisy
moments fall on all of them; the medians of the rounds are compared as ratios to the plain
Wagtail page. It also measures the CPU each page costs in-process (Django's test client, same
settings) and prints the slide page's SQL. Results: bench/results/pages.txt.
"""

from __future__ import annotations

import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
PG = "postgres://postgres@127.0.0.1:5432"
DATABASE = "eup_bench_pages"
LEARNERS = 50
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "50"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CPU_ROUNDS = int(os.environ.get("BENCH_CPU_ROUNDS", "30"))
PAGES = {
    "slide page": None,  # the first section's first slide, filled in once the course is loaded
    "course page": "/",
    "plain Wagtail page": "/plain-page/",
    "bare Django view": "/bench/bare/",
    "base template view": "/bench/base/",
    "/health/": "/health/",
}
REFERENCE = "plain Wagtail page"


def main() -> int:
    for tool in ("wrk",):
        if subprocess.run(["which", tool], capture_output=True).returncode:  # noqa: S603,S607
            print(f"{tool} is not installed: apt-get install -y {tool}")
            return 1
    env = {
        "DJANGO_SETTINGS_MODULE": "pages_settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": f"{HOST},testserver",
        "DATABASE_URL": f"{PG}/{DATABASE}",
        "REDIS_URL": "redis://127.0.0.1:6379/6",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)]),
    }
    os.environ.update(env)
    sys.path[:0] = [str(HERE), str(ROOT)]
    _recreate_database()
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    cache.clear()
    call_command("migrate", verbosity=0)
    call_command("load_course", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    cookies, slide_url = _learners_and_pages()
    PAGES["slide page"] = slide_url
    cpu = _cpu_per_request(cookies)
    queries = _slide_queries(cookies[0], slide_url)
    connection.close()

    work = Path(tempfile.mkdtemp(prefix="eup-bench-pages-"))
    script = work / "cookies.lua"
    script.write_text(_lua(cookies))
    workers = 2 * (os.cpu_count() or 1) + 1
    port = _free_port()
    server = _start_gunicorn(port=port, workers=workers, log=work / "gunicorn.log")
    rates: dict[str, list[float]] = {name: [] for name in PAGES}
    from bench.gunicorn_process import stop_gunicorn, wait_until_up

    try:
        wait_until_up(f"http://{HOST}:{port}/health/", server)
        for url in PAGES.values():  # warm every worker's caches and imports once
            _wrk(f"http://{HOST}:{port}{url}", script, seconds=2)
        for _ in range(ROUNDS):
            for name, url in PAGES.items():
                rates[name].append(_wrk(f"http://{HOST}:{port}{url}", script, seconds=SECONDS))
    finally:
        stop_gunicorn(server)
    _report(rates=rates, cpu=cpu, queries=queries, workers=workers)
    return 0


def _recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def _learners_and_pages() -> tuple[list[str], str]:
    """50 learners on the roster with this cycle's assignment, each signed in (their session
    cookies), and the plain Wagtail page beneath the course."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone
    from wagtail.models import Page

    from staff.models import Location, Staff
    from staff.services import cycle_open
    from training.models import SectionPage
    from training.selectors import primary_course

    course = primary_course()
    location = Location.objects.create(name="Benchmark School")
    users = []
    for n in range(LEARNERS):
        user = get_user_model().objects.create_user(f"learner{n}@bench.example", password=None)
        Staff.objects.create(
            employee_id=f"B{n:03d}",
            first_name="Bench",
            last_name=f"Learner {n}",
            email=user.username,
            location=location,
            hire_date=date(2015, 9, 1),
            user=user,
        )
        users.append(user)
    today = timezone.localdate()
    cycle_open(year=today.year if today.month >= 7 else today.year - 1)
    # Added beneath the course directly (the admin offers only sections there).
    course.add_child(
        instance=Page(title="A plain page", slug="plain-page")
    ).save_revision().publish()
    cookies = []
    for user in users:
        client = Client()
        client.force_login(user)
        cookies.append(
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    section = SectionPage.objects.child_of(course).live().order_by("path").first()
    return cookies, f"{section.url}?slide=1"


def _client(cookie: str):
    from django.test import Client

    client = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
    name, value = cookie.split("=", 1)
    client.cookies[name] = value
    return client


def _cpu_per_request(cookies: list[str]) -> dict[str, float]:
    """Median CPU milliseconds per request of each page, in this process, interleaved."""
    clients = [_client(c) for c in cookies[:5]]
    times: dict[str, list[float]] = {name: [] for name in PAGES}
    for round_ in range(CPU_ROUNDS + 3):
        for name, url in PAGES.items():
            start = time.process_time()
            response = clients[round_ % len(clients)].get(url, secure=True)
            spent = (time.process_time() - start) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{name} answered {response.status_code} in-process")
            if round_ >= 3:  # the first rounds warm caches and imports
                times[name].append(spent)
    return {name: statistics.median(values) for name, values in times.items()}


def _slide_queries(cookie: str, url: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(cookie)
    with CaptureQueriesContext(connection) as captured:
        client.get(url, secure=True)
    return [" ".join(q["sql"].split())[:150] for q in captured.captured_queries]


def _lua(cookies: list[str]) -> str:
    quoted = ",\n".join(f'  "{c}"' for c in cookies)
    return f"""-- Each request carries the next learner's session, as behind the TLS proxy.
local cookies = {{
{quoted}
}}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", nil, {{
    ["Cookie"] = cookies[(n % #cookies) + 1],
    ["X-Forwarded-Proto"] = "https",
    ["Host"] = "{HOST}",
  }})
end
"""


def _wrk(url: str, script: Path, *, seconds: int) -> float:
    result = subprocess.run(  # noqa: S603
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", str(script), url],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if bad:
        raise SystemExit(f"{url}: {bad.group(1)} responses were not 2xx/3xx\n{result.stdout}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _start_gunicorn(*, port: int, workers: int, log: Path):
    command = [
        str(VENV_BIN / "gunicorn"),
        "eupsite.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--error-logfile",
        str(log),
    ]
    return subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), start_new_session=True)  # noqa: S603


def _report(*, rates, cpu, queries, workers) -> None:
    reference = statistics.median(rates[REFERENCE])
    lines = [
        f"make bench-pages, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {platform.node()} "
        f"({os.cpu_count()} cores), gunicorn {workers} sync workers, PostgreSQL, production "
        f"settings; wrk {CONNECTIONS} connections x {SECONDS} s, {ROUNDS} interleaved rounds; "
        f"{LEARNERS} learners' sessions",
        "",
        f"{'page':<22}{'req/s (median)':>16}{'vs plain Wagtail':>18}{'CPU ms/request':>16}",
    ]
    for name in PAGES:
        rate = statistics.median(rates[name])
        lines.append(f"{name:<22}{rate:>16.1f}{rate / reference:>17.2f}x{cpu[name]:>16.1f}")
    lines += ["", f"The slide page's SQL ({len(queries)} queries):"]
    lines += [f"{n:>3}. {sql}" for n, sql in enumerate(queries, start=1)]
    text = "\n".join(lines) + "\n"
    print(text)
    (ROOT / "bench" / "results" / "pages.txt").write_text(text)


if __name__ == "__main__":
    sys.exit(main())
