import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from staff.models import TrainingCycle
from tests.helpers import database_server_url

from .conftest import sign

ROOT = Path(__file__).resolve().parents[2]


def test_export_records_writes_every_kind_of_record_with_checksums(
    learner_client, passed_everything, tmp_path
):
    sign(learner_client)
    cycle = TrainingCycle.objects.get()
    out = tmp_path / "records"
    call_command("export_records", cycle=cycle.name, output=out, verbosity=0)
    sums = dict(
        reversed(line.split("  ")) for line in (out / "SHA256SUMS").read_text().splitlines()
    )
    assert set(sums) == {
        f"{kind}.{ext}"
        for kind in (
            "assignments",
            "adjustments",
            "attempts",
            "time_on_task",
            "acknowledgements",
            "certificates",
        )
        for ext in ("json", "csv")
    }
    for name, digest in sums.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    assignments = json.loads((out / "assignments.json").read_text())
    assert [a["employee_id"] for a in assignments] == ["E-4411"]
    assert assignments[0]["completed_at"]
    assert len(json.loads((out / "attempts.json").read_text())) == 7
    assert json.loads((out / "acknowledgements.json").read_text())[0]["typed_name"] == (
        "María O'Neil-Núñez"
    )
    assert (out / "certificates.csv").read_text().startswith("code,employee_id,holder_name")


def test_h9_the_records_archive_csvs_never_carry_a_formula_a_spreadsheet_would_run(
    learner_client, passed_everything, tmp_path
):
    import csv

    passed_everything.job_title = "=cmd|' /C calc'!A0"
    passed_everything.save()
    learner_client.post(
        "/certificates/complete/",
        {"typed_name": "María O'Neil-Núñez", "confirm": "yes"},
        HTTP_USER_AGENT='=HYPERLINK("https://evil.example","Click")',
    )
    cycle = TrainingCycle.objects.get()
    out = tmp_path / "records"
    call_command("export_records", cycle=cycle.name, output=out, verbosity=0)
    [ack] = csv.DictReader((out / "acknowledgements.csv").open(encoding="utf-8"))
    assert ack["user_agent"] == """'=HYPERLINK("https://evil.example","Click")"""
    [assignment] = csv.DictReader((out / "assignments.csv").open(encoding="utf-8"))
    assert assignment["job_title"] == "'=cmd|' /C calc'!A0"
    # The JSON copy is the exact record.
    assert json.loads((out / "acknowledgements.json").read_text())[0]["user_agent"].startswith(
        "=HYPERLINK"
    )


def test_export_records_names_the_cycles_when_one_is_unknown(db, cycle):
    with pytest.raises(CommandError, match=f"Cycles: {cycle.name}"):
        call_command("export_records", cycle="1999-2000")


@pytest.mark.skipif(
    connection.vendor != "postgresql" or not shutil.which("pg_dump"),
    reason="backup and restore are PostgreSQL's pg_dump and pg_restore",
)
def test_a_backup_restores_into_an_empty_database_with_the_same_records(
    passed_everything_tx, tmp_path
):
    from certificates.services import acknowledgement_sign

    acknowledgement_sign(
        user=passed_everything_tx,
        typed_name="María O'Neil-Núñez",
        confirmed=True,
        ip_address="127.0.0.1",
        user_agent="backup-test",
    )
    cycle = TrainingCycle.objects.get()
    before = tmp_path / "before"
    call_command("export_records", cycle=cycle.name, output=before, verbosity=0)

    settings_dict = connection.settings_dict
    server = database_server_url()
    dump = tmp_path / "backup.dump"
    # The documented backup command (README, "Backups").
    subprocess.run(  # noqa: S603
        ["pg_dump", "--format=custom", f"--file={dump}", f"{server}/{settings_dict['NAME']}"],  # noqa: S607
        check=True,
    )
    restored = f"eup_restore_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", f"--maintenance-db={server}/postgres", restored], check=True)  # noqa: S603, S607
    try:
        subprocess.run(  # noqa: S603
            ["pg_restore", "--no-owner", f"--dbname={server}/{restored}", str(dump)],  # noqa: S607
            check=True,
        )
        after = tmp_path / "after"
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DATABASE_URL": f"{server}/{restored}",
            "DJANGO_SETTINGS_MODULE": "eupsite.settings.dev",
        }
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "manage.py",
                "export_records",
                f"--cycle={cycle.name}",
                f"--output={after}",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        assert (after / "SHA256SUMS").read_text() == (before / "SHA256SUMS").read_text()
    finally:
        subprocess.run(  # noqa: S603
            ["dropdb", f"--maintenance-db={server}/postgres", restored],
            check=False,  # noqa: S607
        )
