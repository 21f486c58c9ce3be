"""Faults: the worker process is killed (SIGKILL) in the middle of a task. Restarted under the
same id it finds what its predecessor left running: a file is prepared again, an e-mail that
may have gone out is reported instead of sent twice. Run on PostgreSQL (.ci/run), which the
worker process shares with the test."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from jobs.models import OutgoingEmail, PreparedFile
from jobs.services import email_queue, file_request
from staff.services import cycle_open
from tests.conftest import make_user
from tests.helpers import database_server_url

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a PostgreSQL server"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker(tmp_path):
    """Start `manage.py run_worker --batch` on the test database, as a separate process."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.jobs.worker_settings",
        "DATABASE_URL": f"{database_server_url()}/{connection.settings_dict['NAME']}",
        "WORKER_STALL_MARKER": str(tmp_path / "stalled"),
        "WORKER_MAIL_DIR": str(tmp_path / "mail"),
        "WORKER_MEDIA_ROOT": str(tmp_path / "media"),
    }

    def start():
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--batch", "--worker-id", "ci-worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def kill_when_stalled(process):
        marker = tmp_path / "stalled"
        for _ in range(600):
            if marker.exists():
                break
            assert process.poll() is None, process.communicate()[0]
            time.sleep(0.1)
        assert marker.exists(), "the worker never reached the middle of the task"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def run_to_end():
        process = start()
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output
        return output

    return start, kill_when_stalled, run_to_end, tmp_path


def test_a_file_whose_worker_was_killed_is_prepared_by_the_restarted_worker(worker):
    start, kill_when_stalled, run_to_end, tmp_path = worker
    cycle, _ = cycle_open(year=2026)
    user = make_user("hr@district.example")
    prepared = file_request(kind=PreparedFile.Kind.RECORDS_ARCHIVE, user=user, cycle=cycle)

    kill_when_stalled(start())
    prepared.refresh_from_db()
    assert prepared.status == PreparedFile.Status.RUNNING and not prepared.file

    output = run_to_end()
    assert "Queued again after a stopped worker: prepare_file" in output
    prepared.refresh_from_db()
    assert prepared.status == PreparedFile.Status.READY and prepared.attempts == 2
    assert (tmp_path / "media" / prepared.file.name).read_bytes().startswith(b"PK")
    lost = DBTaskResult.objects.get(status="FAILED")
    assert lost.exception_class_path == "jobs.services.WorkerLost"
    # The "your file is ready" e-mail went out once.
    assert len(list((tmp_path / "mail").iterdir())) == 1


def test_an_email_whose_worker_was_killed_mid_send_is_reported_not_sent_twice(worker):
    start, kill_when_stalled, run_to_end, tmp_path = worker
    email = email_queue(
        kind=OutgoingEmail.Kind.REMINDER, to="t@school.example", subject="S", body="B"
    )

    kill_when_stalled(start())
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENDING

    output = run_to_end()
    assert f"E-mail {email.pk} may or may not have gone out" in output
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.UNCERTAIN
    assert not (tmp_path / "mail").exists() or not any((tmp_path / "mail").iterdir())
    assert DBTaskResult.objects.get().status == "FAILED"
