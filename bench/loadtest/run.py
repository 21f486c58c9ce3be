"""Load test: the site under production settings in gunicorn on PostgreSQL, driven by Locust
(locustfile.py) from a separate process, in steps of more and more simultaneous users (each
step a fresh Locust run of --run-time seconds), until errors appear or the lesson and quiz pages
slow past 300 ms (95th percentile); then one step half way between the last that held and the
first that did not. Afterwards the database is checked against what the simulated learners did
(integrity.py): every quiz submission recorded once, one certificate per completed assignment,
double clicks resolved to one record, no orphans.

    make loadtest            # .venv/bin/python bench/loadtest/run.py
    .venv/bin/python bench/loadtest/run.py --steps 10,20 --run-time 30   # a quick look

It drops and re-creates the database eup_load on PostgreSQL at 127.0.0.1:5432 (user postgres),
seeds it (seed_district.py), clears and uses Redis database 5 at 127.0.0.1:6379, runs
collectstatic into STATIC_ROOT, serves and loads 127.0.0.1 only, and removes the certificate
PDFs the run stored in MEDIA_ROOT. Logs (gunicorn, access, Locust, the learners' ledgers) stay in
a temporary work folder it names. Results: bench/results/loadtest.txt and loadtest.json.

Exit status: 0; 1 when the database check fails or the first (smallest) step already has errors;
130 when interrupted (gunicorn and Locust are stopped either way).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import psutil  # a dependency of locust (the "load" extra)

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RESULTS = ROOT / "bench" / "results"
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
PG = "postgres://postgres@127.0.0.1:5432"
DATABASE = "eup_load"
REDIS_URL = "redis://127.0.0.1:6379/5"
# The pages a learner waits for between slides and questions: the step holds only if these stay
# under the threshold (95th percentile) with no errors anywhere.
KEY_ENDPOINTS = ("slide", "quiz page", "quiz submit", "plain page")
# Who the steps run: the product's mix, then alone the reference (a plain Wagtail page).
MIX_USERS = ("Learner", "Finisher", "Administrator")
REFERENCE_USERS = ("PlainPageReader",)
P95_LIMIT_MS = 300
LEARNER_PASSWORD = "Policy-Reader-2026"  # noqa: S105 - throwaway accounts in a throwaway database
ADMIN_PASSWORD = "District-Admin-2026"  # noqa: S105


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", default="10,20,40,80,160", help="users per step")
    parser.add_argument(
        "--reference-steps",
        default="20,40,80,160,320",
        help="users per step reading the plain Wagtail page (the reference); empty: none",
    )
    parser.add_argument("--run-time", type=int, default=60, help="seconds per step")
    parser.add_argument("--staff", type=int, default=2000)
    parser.add_argument("--locations", type=int, default=20)
    parser.add_argument(
        "--finishers", type=int, default=200, help="staff seeded at the last section"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (2 x cores + 1)"
    )
    parser.add_argument("--fail-share", type=float, default=0.1, help="quizzes failed on purpose")
    parser.add_argument(
        "--double-share", type=float, default=0.05, help="quiz pages, submits, signs double-clicked"
    )
    parser.add_argument("--keep-media", action="store_true", help="keep the certificate PDFs")
    parser.add_argument(
        "--no-refine",
        dest="refine",
        action="store_false",
        help="no extra step half way between the last step that held and the first that did not",
    )
    args = parser.parse_args()
    args.steps = [int(n) for n in args.steps.split(",")]
    args.reference_steps = [int(n) for n in args.reference_steps.split(",") if n.strip()]
    return args


def stop_on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    args = parse_args()
    # Ctrl+C, or make/CI killing us: unwind through the finally blocks that stop gunicorn and
    # Locust (a SIGINT inherited as ignored from a background shell is enabled again too).
    signal.signal(signal.SIGINT, stop_on_signal)
    signal.signal(signal.SIGTERM, stop_on_signal)
    cores = os.cpu_count() or 1
    # Sync workers, (2 x cores) + 1: every request is short and CPU-bound Python (templates,
    # Wagtail, the PDF) with waits on PostgreSQL in between; the extra workers keep both cores
    # busy while others wait on the database. Nothing streams or holds a connection open, and the
    # proxy in front buffers slow clients, so threads or gevent would only add GIL contention.
    workers = args.workers or 2 * cores + 1
    work = Path(tempfile.mkdtemp(prefix="eup-loadtest-"))
    started = time.perf_counter()
    print(f"load test: work folder {work}")

    env = {
        # Production settings, plus the plain Wagtail page's template (bench/pages).
        "DJANGO_SETTINGS_MODULE": "pages_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "bench" / "pages"), str(ROOT)]),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": f"{PG}/{DATABASE}",
        "REDIS_URL": REDIS_URL,
        # Nothing in the tested flows sends mail; if something starts to, it must not try SMTP.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    os.environ.update(env)
    # The project's root, as manage.py and gunicorn (started there) see it.
    sys.path[1:1] = [str(ROOT / "bench" / "pages"), str(ROOT)]
    recreate_database()
    import django

    django.setup()
    import seed_district
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    cache.clear()  # Redis db 5: stale Wagtail site paths or rate limits from an earlier run
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated {DATABASE} ({time.perf_counter() - t0:.1f} s); seeding the district:")
    t0 = time.perf_counter()
    data = seed_district.seed(
        staff=args.staff,
        locations=args.locations,
        finishers=args.finishers,
        admins=3,
        password=LEARNER_PASSWORD,
        admin_password=ADMIN_PASSWORD,
    )
    data["fail_share"] = args.fail_share
    data["double_share"] = args.double_share
    print(f"seeded in {time.perf_counter() - t0:.1f} s")
    plain_page_add()
    t0 = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    print(f"collectstatic ({time.perf_counter() - t0:.1f} s)")
    from integrity import baseline

    before = baseline()
    data_path = work / "district.json"
    data_path.write_text(json.dumps(data), encoding="utf-8")
    facts = machine_facts(cores=cores, workers=workers, connection=connection)
    connection.close()

    steps, reference, db_check, server_errors = [], [], None, []
    port = free_port()
    base_url = f"http://{HOST}:{port}"
    server_log = work / "gunicorn.log"
    server = start_gunicorn(port=port, workers=workers, env=env, log=server_log, work=work)
    from bench.gunicorn_process import stop_gunicorn, wait_until_up

    try:
        wait_until_up(f"{base_url}/accounts/login/", server)
        print(f"gunicorn: {workers} sync workers at {base_url} (log: {server_log})")
        pools = AccountPools(data)
        plan = list(args.steps)
        while plan:
            users = plan.pop(0)
            step = run_step(
                index=len(steps) + 1,
                users=users,
                run_time=args.run_time,
                base_url=base_url,
                data_path=data_path,
                ranges=pools.take(users),
                work=work,
                server=server,
                user_classes=MIX_USERS,
            )
            steps.append(step)
            print_step(step)
            if step["held"]:
                continue
            # One more step half way between the last that held and this one, to narrow it.
            held_before = [s["users"] for s in steps if s["held"]]
            middle = (max(held_before, default=0) + users) // 2 // 10 * 10
            if args.refine and middle not in {s["users"] for s in steps} and middle > 0:
                plan = [middle]
                args.refine = False
            else:
                plan = []
        # The reference, with the same server and tool, after the mix (its records are checked
        # below and it writes none).
        for users in args.reference_steps:
            step = run_step(
                index=len(steps) + len(reference) + 1,
                users=users,
                run_time=args.run_time,
                base_url=base_url,
                data_path=data_path,
                ranges={"learners": "0:0", "finishers": "0:0"},
                work=work,
                server=server,
                user_classes=REFERENCE_USERS,
            )
            reference.append(step)
            print_step(step)
            if not step["held"]:
                break
    finally:
        stop_gunicorn(server)
        print("gunicorn stopped")
    server_errors = read_server_errors(server_log)

    from integrity import check

    client_counts = {
        name: sum(
            s["endpoints"][name]["requests"] - s["endpoints"][name]["failures"]
            for s in steps
            if name in s["endpoints"]
        )
        for name in ("quiz submit", "sign")
    }
    db_check = check(
        before=before,
        ledgers=sorted(work.glob("ledger-*.jsonl")),
        client_counts=client_counts,
    )
    print_check(db_check)
    if not args.keep_media:
        removed = remove_certificate_files()
        print(f"removed {removed} certificate PDFs written to MEDIA_ROOT by the run")
    connection.close()

    held = [s for s in steps if s["held"]]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The largest process the runner waited for: a Locust run or the gunicorn master.
    locust_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": facts,
        "settings": {
            "staff": data["staff_count"],
            "locations": args.locations,
            "finishers_seeded": len(data["finishers"]),
            "run_time_s": args.run_time,
            "steps": args.steps,
            "p95_limit_ms": P95_LIMIT_MS,
            "key_endpoints": KEY_ENDPOINTS,
            "fail_share": args.fail_share,
            "double_share": args.double_share,
        },
        "steps": steps,
        "reference_steps": reference,
        "highest_step_held": max((s["users"] for s in held), default=None),
        "mix_vs_plain_page": mix_vs_reference(steps, reference),
        "highest_step_held_steady": max(
            (s["users"] for s in steps if s["steady_held"]), default=None
        ),
        "db_check": db_check,
        "server_errors": server_errors,
        "runner_peak_memory_mb": round(peak_mb),
        "largest_child_peak_memory_mb": round(locust_peak_mb),
        "total_time_s": round(time.perf_counter() - started),
    }
    write_results(result)
    print(f"peak memory (max RSS): runner {peak_mb:.0f} MB, largest child {locust_peak_mb:.0f} MB")
    print(f"total {result['total_time_s']} s; results in bench/results/loadtest.txt and .json")
    first_step_failed = bool(steps) and steps[0]["failures"] > 0
    if not db_check["ok"] or first_step_failed or not steps:
        print("FAILED: " + ("database check" if not db_check["ok"] else "errors in the first step"))
        return 1
    return 0


# --- database and machine ----------------------------------------------------------------------


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    print(f"database {DATABASE} re-created")


def machine_facts(*, cores: int, workers: int, connection) -> dict:
    from importlib.metadata import version

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SHOW max_connections")
        max_connections = cursor.fetchone()[0]
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": cores,
        "cpu": model,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        # Package metadata, not imports: importing locust would monkey-patch this process.
        "django": version("django"),
        "wagtail": version("wagtail"),
        "gunicorn": version("gunicorn"),
        "locust": version("locust"),
        "postgresql": pg_version,
        "postgresql_max_connections": int(max_connections),
        "gunicorn_workers": workers,
        "gunicorn_worker_class": "sync",
    }


def plain_page_add() -> None:
    """The reference page: a plain Wagtail page (wagtailcore.Page, the template in bench/pages)
    beneath the course, as `make bench-pages` adds it."""
    from wagtail.models import Page

    from training.selectors import primary_course

    primary_course().add_child(
        instance=Page(title="A plain page", slug="plain-page")
    ).save_revision().publish()


def mix_vs_reference(steps: list[dict], reference: list[dict]) -> dict | None:
    """The highest throughput each held (0 errors, p95 under the limit), and their ratio."""
    mix = max((s["rps"] for s in steps if s["held"]), default=None)
    plain = max((s["rps"] for s in reference if s["held"]), default=None)
    if mix is None or plain is None:
        return None
    return {
        "mix_rps": mix,
        "plain_page_rps": plain,
        "ratio": round(mix / plain, 2),
        # The reference's last step held too: its ceiling is higher than measured, so the
        # ratio is an upper bound.
        "plain_page_ceiling_reached": not all(s["held"] for s in reference),
    }


def remove_certificate_files() -> int:
    """The run's PDFs land in the shared MEDIA_ROOT (production settings name it): remove them."""
    from certificates.models import Certificate

    removed = 0
    for certificate in Certificate.objects.exclude(pdf=""):
        with contextlib.suppress(FileNotFoundError):
            certificate.pdf.delete(save=False)
            removed += 1
    return removed


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(*, port: int, workers: int, env: dict, log: Path, work: Path):
    command = [
        str(VENV_BIN / "gunicorn"),
        "eupsite.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--timeout",
        "60",
        "--graceful-timeout",
        "20",
        "--log-level",
        "warning",
        "--error-logfile",
        str(log),
        "--access-logfile",
        str(work / "access.log"),
        "--capture-output",
    ]
    # Its own session, so Ctrl+C reaches the runner (which stops it cleanly) and not it directly.
    return subprocess.Popen(  # noqa: S603 - fixed command, our own virtualenv
        command, cwd=ROOT, env={**os.environ, **env}, start_new_session=True
    )


def read_server_errors(log: Path) -> list[str]:
    """Tracebacks and error lines that gunicorn and Django logged."""
    if not log.exists():
        return []
    errors, current = [], []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(("Traceback", "Internal Server Error", "[")) and current:
            errors.append("\n".join(current))
            current = []
        if line.strip():
            current.append(line)
    if current:
        errors.append("\n".join(current))
    noise = (
        "Starting gunicorn",
        "Listening at",
        "Using worker",
        "Booting worker",
        "Handling signal",
        "Worker exiting",
        "Shutting down",
    )
    return [e for e in errors if not any(n in e for n in noise)]


class CpuMeter:
    """Cores used while it runs: gunicorn (master and workers), the PostgreSQL backends serving
    our database, Locust (added by the caller) and "other", the rest of the machine (another
    test suite, say, which takes CPU from the server and makes the figures worse). Sampled every
    second, per process, so backends that close and reopen (conn_max_age) count for the time
    they lived instead of vanishing from the sum."""

    def __init__(self, server):
        self.master = psutil.Process(server.pid)
        self.first: dict[str, dict[int, float]] = {"gunicorn": {}, "postgresql": {}}
        self.last: dict[str, dict[int, float]] = {"gunicorn": {}, "postgresql": {}}
        self.machine: list[float] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.started = time.perf_counter()
        self._sample(initial=True)
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.stopping.set()
        self.thread.join()
        self._sample()
        self.wall = time.perf_counter() - self.started

    def _run(self):
        while not self.stopping.wait(1.0):
            self._sample()

    def _sample(self, *, initial: bool = False):
        groups = {"gunicorn": [self.master], "postgresql": []}
        with contextlib.suppress(psutil.Error):
            groups["gunicorn"] += self.master.children(recursive=True)
        for process in psutil.process_iter(["name", "cmdline"]):
            command = " ".join(process.info["cmdline"] or [])
            if process.info["name"] == "postgres" and f" {DATABASE} " in command:
                groups["postgresql"].append(process)
        for group, processes in groups.items():
            for process in processes:
                with contextlib.suppress(psutil.Error):
                    times = process.cpu_times()
                    seconds = times.user + times.system
                    # A process born during the measurement counts from zero.
                    self.first[group].setdefault(process.pid, seconds if initial else 0.0)
                    self.last[group][process.pid] = seconds
        machine = psutil.cpu_times()
        busy = ("user", "nice", "system", "irq", "softirq", "steal")
        self.machine.append(sum(getattr(machine, name, 0.0) for name in busy))

    def cores(self, *, locust_seconds: float = 0.0) -> dict:
        used = {
            group: sum(t - self.first[group][pid] for pid, t in self.last[group].items())
            / self.wall
            for group in ("gunicorn", "postgresql")
        }
        used["locust"] = locust_seconds / self.wall
        machine = (self.machine[-1] - self.machine[0]) / self.wall
        used["other"] = max(machine - sum(used.values()), 0.0)
        return {name: round(value, 2) for name, value in used.items()}


def gunicorn_memory(server) -> int:
    """Resident memory of gunicorn, master and workers together, in MB."""
    master = psutil.Process(server.pid)
    total = 0
    for process in [master, *master.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    return round(total / 2**20)


def other_load(server, seconds: float = 3.0) -> float:
    """Cores the rest of the machine uses now, before a step starts."""
    with CpuMeter(server) as meter:
        time.sleep(seconds)
    return meter.cores()["other"]


# --- the steps -----------------------------------------------------------------------------------


class AccountPools:
    """Hands each step its own slices of the account pools, so no account is used twice."""

    def __init__(self, data: dict):
        self.sizes = {"learners": len(data["learners"]), "finishers": len(data["finishers"])}
        self.used = {"learners": 0, "finishers": 0}

    def take(self, users: int) -> dict:
        # Learners rarely finish within a step; a finisher gets through two or three accounts.
        wanted = {"learners": int(users * 1.3) + 5, "finishers": int(users * 0.6) + 2}
        ranges = {}
        for pool, count in wanted.items():
            start = self.used[pool]
            end = min(start + count, self.sizes[pool])
            ranges[pool] = f"{start}:{end}"
            self.used[pool] = end
        return ranges


def run_step(
    *, index, users, run_time, base_url, data_path, ranges, work, server, user_classes
) -> dict:
    ledger = work / f"ledger-{index}.jsonl"
    stats_file = work / f"stats-{index}.json"
    spawn_rate = max(users / 10, 1)  # everybody in within the first 10 s
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "--host",
        base_url,
        "--users",
        str(users),
        "--spawn-rate",
        f"{spawn_rate:g}",
        "--run-time",
        f"{run_time}s",
        "--stop-timeout",
        "30",
        "--only-summary",
        "--loglevel",
        "WARNING",
        *user_classes,
    ]
    env = {
        **os.environ,
        "LOADTEST_DATA": str(data_path),
        "LOADTEST_LEDGER": str(ledger),
        "LOADTEST_STATS": str(stats_file),
        "LOADTEST_LEARNERS": ranges["learners"],
        "LOADTEST_FINISHERS": ranges["finishers"],
        "LOADTEST_ADMINS": str(max(1, round(users / 40))),
    }
    who = "plain Wagtail page readers" if user_classes == REFERENCE_USERS else "users"
    print(
        f"step {index}: {users} {who} for {run_time} s (spawn rate {spawn_rate:g}/s)...",
        flush=True,
    )
    busy = other_load(server)
    if busy > 0.3:
        print(f"  warning: other processes use {busy:.1f} cores: this step's figures suffer")
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with CpuMeter(server) as meter, (work / f"step{index}-locust.log").open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - fixed command, our own virtualenv
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            process.wait(timeout=run_time + 120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise RuntimeError(f"locust did not stop: see {output.name}") from None
        finally:
            if process.poll() is None:  # interrupted: Locust stops its users and exits
                process.terminate()
                try:
                    process.wait(timeout=45)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    # Locust is the only child waited for in between, so the children's rusage grew by its CPU.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    locust_seconds = (
        children.ru_utime + children.ru_stime - children_before.ru_utime - children_before.ru_stime
    )
    if not stats_file.exists():
        raise RuntimeError(f"locust wrote no statistics (exit {process.returncode}): see {work}")
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    endpoints, total, failures = stats["endpoints"], stats["total"], stats["failures"]
    steady = stats.get("steady")
    # Failed requests, and exceptions inside the locustfile's tasks (a client bug: a failure too).
    errors = total["failures"] + sum(f["count"] for f in failures if f["name"] == "locustfile")
    slow = {
        name: endpoints[name]["p95"]
        for name in KEY_ENDPOINTS
        if name in endpoints and endpoints[name]["p95"] >= P95_LIMIT_MS
    }
    return {
        "users": users,
        "user_classes": list(user_classes),
        "run_time_s": run_time,
        "requests": total["requests"],
        "failures": errors,
        "rps": total["rps"],
        "p50": total["p50"],
        "p95": total["p95"],
        "p99": total["p99"],
        "endpoints": endpoints,
        "failure_messages": failures,
        "slow_key_endpoints": slow,
        "held": errors == 0 and not slow,
        "steady": steady,
        "steady_held": bool(steady)
        and steady["total"]["failures"] == 0
        and all(
            steady["endpoints"][name]["p95"] < P95_LIMIT_MS
            for name in KEY_ENDPOINTS
            if name in steady["endpoints"]
        ),
        "cpu_cores_used": meter.cores(locust_seconds=locust_seconds),
        "other_load_before": busy,
        "locust_exit_code": process.returncode,
        "gunicorn_rss_mb": gunicorn_memory(server),
    }


# --- reporting -----------------------------------------------------------------------------------


def step_table(step: dict) -> list[str]:
    """Per endpoint: the whole step, then the steady state (once every user had arrived)."""
    steady = step.get("steady") or {"endpoints": {}, "total": {}}
    lines = [
        f"{'':<19} {'whole step':-^52}  {'steady state':-^21}",
        f"{'endpoint':<19} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50':>6} {'p95':>6} "
        f"{'p99':>6} {'max':>6}  {'req/s':>7} {'p95':>6} {'p99':>6}  (ms)",
    ]
    rows = sorted(step["endpoints"].items(), key=lambda item: -item[1]["requests"])
    everything = {**step, "max": max((e["max"] for _, e in rows), default=0)}
    for name, e in [*rows, ("all", everything)]:
        s = steady["total"] if name == "all" else steady["endpoints"].get(name)
        late = (
            f"{s['rps']:>7.1f} {s['p95']:>6.0f} {s['p99']:>6.0f}"
            if s
            else f"{'-':>7} {'-':>6} {'-':>6}"
        )
        lines.append(
            f"{name:<19} {e['requests']:>8} {e['failures']:>6} {e['rps']:>7.1f} "
            f"{e['p50']:>6.0f} {e['p95']:>6.0f} {e['p99']:>6.0f} {e['max']:>6.0f}  {late}"
        )
    return lines


def step_summary(step: dict) -> str:
    reasons = [f"{step['failures']} errors"] if step["failures"] else []
    reasons += [f"{name} p95 {p95:.0f} ms" for name, p95 in step["slow_key_endpoints"].items()]
    verdict = "held" if step["held"] else f"did not hold ({'; '.join(reasons)})"
    steady = step.get("steady")
    if steady:
        verdict += (
            f"; steady state ({steady['window_s']:.0f} s once all users were in): "
            f"{steady['total']['rps']:.1f} req/s, "
            + ("held" if step["steady_held"] else "did not hold")
        )
    cpu = ", ".join(f"{k} {v:.2f}" for k, v in step["cpu_cores_used"].items())
    if step["locust_exit_code"] not in (0, 1):
        verdict += f"; LOCUST EXITED WITH {step['locust_exit_code']} (see its log)"
    return (
        f"{step['users']} users: {step['rps']:.1f} req/s, p95 {step['p95']:.0f} ms, {verdict}; "
        f"cores used: {cpu}"
    )


def print_step(step: dict) -> None:
    print("  " + step_summary(step))
    for line in step_table(step):
        print("    " + line)
    for failure in step["failure_messages"][:8]:
        print(f"    error x{failure['count']} {failure['name']}: {failure['error'][:160]}")


def print_check(db_check: dict) -> None:
    print(f"database check: {'passed' if db_check['ok'] else 'FAILED'}")
    for line in db_check["lines"]:
        print("  " + line)


def write_results(result: dict) -> None:
    m, s = result["machine"], result["settings"]
    lines = [
        f"{result['date'][:10]}, load test (make loadtest), {m['cores']} cores ({m['cpu']}), "
        f"{m['memory_gb']} GB",
        f"gunicorn {m['gunicorn']}: {m['gunicorn_workers']} {m['gunicorn_worker_class']} workers, "
        f"production settings; PostgreSQL {m['postgresql']} (max_connections "
        f"{m['postgresql_max_connections']}); Redis cache; Django {m['django']}, Wagtail "
        f"{m['wagtail']}, Python {m['python']}; Locust {m['locust']} (FastHttpUser) on the same "
        "machine",
        f"district: {s['staff']} staff at {s['locations']} locations, current cycle; "
        f"{s['finishers_seeded']} of them seeded with every section but the last passed",
        f"steps of {s['run_time_s']} s, users arriving over the first 10 s (each logs in: the "
        "morning burst); a step holds with 0 errors and p95 < "
        f"{s['p95_limit_ms']} ms for {', '.join(s['key_endpoints'])} over the whole step",
        "steady state: the requests started from 5 s after the last user arrived",
        f"learners fail {s['fail_share']:.0%} of first quiz attempts on purpose and double-click "
        f"{s['double_share']:.0%} of quiz pages, submits and signatures",
        "cores used: average over the step; other = the rest of the machine (other processes)",
        "",
    ]
    for step in result["steps"]:
        lines.append(step_summary(step))
        lines.extend("  " + line for line in step_table(step))
        for failure in step["failure_messages"]:
            lines.append(f"  error x{failure['count']} {failure['name']}: {failure['error'][:300]}")
        lines.append("")
    highest, steady = result["highest_step_held"], result["highest_step_held_steady"]
    lines.append(f"highest step that held: {highest} users" if highest else "no step held")
    lines.append(f"highest step whose steady state held: {steady} users" if steady else "")
    lines.append("")
    if result["reference_steps"]:
        lines.append(
            "reference: a plain Wagtail page (about a slide's text) read by anonymous visitors "
            "at a learner's pace (0.5-2 s), same server, same tool, after the mix"
        )
        for step in result["reference_steps"]:
            lines.append(step_summary(step))
            lines.extend("  " + line for line in step_table(step))
        lines.append("")
    ratio = result["mix_vs_plain_page"]
    plain_held = [s["rps"] for s in result["reference_steps"] if s["held"]]
    if not ratio and plain_held and result["steps"]:
        # No step of the mix held: its smallest step bounds the ratio from above.
        first = result["steps"][0]
        lines.append(
            f"mix vs plain Wagtail page: the mix held no step ({first['users']} users: "
            f"{first['rps']:.1f} req/s, did not hold); the plain page held {max(plain_held):.1f} "
            f"req/s: below {first['rps'] / max(plain_held):.2f}x (target >= 0.8x)"
        )
        lines.append("")
    if ratio:
        bound = (
            ""
            if ratio["plain_page_ceiling_reached"]
            else " (the reference held at every step: an upper bound)"
        )
        lines.append(
            f"mix vs plain Wagtail page: {ratio['mix_rps']:.1f} / {ratio['plain_page_rps']:.1f} "
            f"req/s held = {ratio['ratio']:.2f}x{bound} (target >= 0.8x)"
        )
        lines.append("")
    lines.append(f"database check: {'passed' if result['db_check']['ok'] else 'FAILED'}")
    lines.extend("  " + line for line in result["db_check"]["lines"])
    lines.append("")
    errors = result["server_errors"]
    lines.append(f"server log: {len(errors)} error entries")
    lines.extend("  " + e.replace("\n", "\n  ") for e in errors[:5])
    gunicorn_mb = max((step["gunicorn_rss_mb"] for step in result["steps"]), default=0)
    lines.append(
        f"peak memory (max RSS of the runner): {result['runner_peak_memory_mb']} MB; "
        f"largest child process: {result['largest_child_peak_memory_mb']} MB; gunicorn (master "
        f"and workers) after the steps: up to {gunicorn_mb} MB; total time "
        f"{result['total_time_s']} s"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "loadtest.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (RESULTS / "loadtest.json").write_text(
        json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        from django.apps import apps

        if apps.ready:  # the run got as far as the database: take its PDFs out of MEDIA_ROOT
            with contextlib.suppress(Exception):
                remove_certificate_files()
        print("interrupted: Locust and gunicorn were stopped; no results written")
        sys.exit(130)
