"""Large files (certificate ZIPs, records archives) are prepared by the worker, kept private to
whoever asked, and a failure is shown to them instead of a broken download."""

import errno
import hashlib
import io
import os
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jobs.models import PreparedFile
from jobs.services import file_request, tasks_recover
from staff.groups import DISTRICT
from staff.models import TrainingCycle
from tests.certificates.conftest import sign
from tests.conftest import make_user
from tests.helpers import login_verified, run_tasks

Status = PreparedFile.Status


@pytest.fixture
def signed(learner_client, passed_everything, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sign(learner_client)
    # Signing queues the certificate e-mail: deliver it, so each test sees only its own tasks.
    run_tasks()
    mail.outbox.clear()
    return TrainingCycle.objects.get()


def district_admin(email):
    from django.contrib.auth.models import Group

    user = make_user(email)
    user.groups.add(Group.objects.get(name=DISTRICT))
    client = Client()
    login_verified(client, user)
    return user, client


def test_a_records_archive_holds_every_record_file_with_matching_checksums(signed):
    user, client = district_admin("hr@district.example")
    response = client.post(
        "/admin/downloads/", {"kind": "records_archive", "records_archive-cycle": signed.pk}
    )
    assert response.status_code == 302
    run_tasks()
    prepared = PreparedFile.objects.get()
    assert prepared.status == Status.READY and prepared.filename == f"records-{signed.name}.zip"
    download = client.get(f"/admin/downloads/{prepared.pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    folder = f"records-{signed.name}/"
    sums = archive.read(folder + "SHA256SUMS").decode().splitlines()
    # six kinds of record (adjustments and time on task among them), JSON and CSV
    assert len(sums) == 12
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256(archive.read(folder + name)).hexdigest() == digest
    assert b"E-4411" in archive.read(folder + "certificates.csv")
    assert any(m.to == ["hr@district.example"] for m in mail.outbox)


def test_a_prepared_file_is_only_ever_served_to_whoever_asked_for_it(signed):
    owner, _ = district_admin("hr@district.example")
    prepared = file_request(kind=PreparedFile.Kind.RECORDS_ARCHIVE, user=owner, cycle=signed)
    run_tasks()
    _, other = district_admin("hr2@district.example")
    assert other.get(f"/admin/downloads/{prepared.pk}/").status_code == 404
    assert f"/admin/downloads/{prepared.pk}/" not in other.get("/admin/downloads/").content.decode()


def test_only_district_administrators_may_ask_for_a_records_archive(signed, django_user_model):
    from django.contrib.auth.models import Group, Permission

    principal = make_user("principal@district.example")
    principal.user_permissions.add(
        Permission.objects.get(codename="view_certificate"),
        Permission.objects.get(codename="access_admin"),
    )
    client = Client()
    login_verified(client, principal)
    page = client.get("/admin/downloads/").content.decode()
    assert "Certificates of a location" in page and "Records archive" not in page
    refused = client.post(
        "/admin/downloads/", {"kind": "records_archive", "records_archive-cycle": signed.pk}
    )
    assert refused.status_code in (302, 403) and not PreparedFile.objects.exists()
    assert Group.objects.filter(name=DISTRICT).exists()


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EACCES])
def test_a_full_disk_or_unwritable_media_fails_the_file_with_a_message(signed, monkeypatch, error):
    from django.core.files.storage import FileSystemStorage

    user, client = district_admin("hr@district.example")
    prepared = file_request(kind=PreparedFile.Kind.RECORDS_ARCHIVE, user=user, cycle=signed)

    def refuse(self, name, content):
        raise OSError(error, os.strerror(error), "/srv/eup/var/media/prepared/records.zip")

    monkeypatch.setattr(FileSystemStorage, "_save", refuse)
    run_tasks()
    prepared.refresh_from_db()
    assert prepared.status == Status.FAILED and not prepared.file
    assert "could not be written" in prepared.error
    page = client.get("/admin/downloads/").content.decode()
    assert "could not be written" in page
    # H13: the reason, never the server's file paths.
    assert "/srv/eup" not in prepared.error and "/srv/eup" not in page
    assert ("disk is full" if error == errno.ENOSPC else "may not write") in prepared.error
    assert client.get(f"/admin/downloads/{prepared.pk}/").status_code == 404


def test_a_file_whose_worker_died_is_prepared_again_and_given_up_after_three_tries(signed):
    user, _ = district_admin("hr@district.example")
    prepared = file_request(kind=PreparedFile.Kind.RECORDS_ARCHIVE, user=user, cycle=signed)
    for attempt in range(1, 4):
        task = DBTaskResult.objects.get(status="READY")
        DBTaskResult.objects.filter(pk=task.pk).update(
            status="RUNNING", started_at=timezone.now(), worker_ids=["host-1"]
        )
        PreparedFile.objects.filter(pk=prepared.pk).update(status=Status.RUNNING, attempts=attempt)
        recovery = tasks_recover(worker_id="host-1")
        assert recovery.requeued == [f"prepare_file({prepared.pk},)"]
    run_tasks()
    prepared.refresh_from_db()
    assert prepared.status == Status.FAILED and "stopped 3 times" in prepared.error
    assert DBTaskResult.objects.filter(status="FAILED").count() == 3


def test_downloads_older_than_a_week_are_deleted_and_say_so(signed, settings):
    user, client = district_admin("hr@district.example")
    prepared = file_request(kind=PreparedFile.Kind.RECORDS_ARCHIVE, user=user, cycle=signed)
    run_tasks()
    prepared.refresh_from_db()
    path = prepared.file.path
    call_command("prune_prepared_files", verbosity=0)
    prepared.refresh_from_db()
    assert prepared.status == Status.READY  # a fresh one stays

    PreparedFile.objects.update(finished_at=timezone.now() - settings.PREPARED_FILE_KEEP)
    PreparedFile.objects.update(finished_at=F("finished_at") - timedelta(minutes=1))
    call_command("prune_prepared_files", verbosity=0)
    prepared.refresh_from_db()
    assert prepared.status == Status.EXPIRED and not prepared.file
    assert not os.path.exists(path)
    assert client.get(f"/admin/downloads/{prepared.pk}/").status_code == 404
    assert "Expired: ask for it again" in client.get("/admin/downloads/").content.decode()


@pytest.mark.parametrize("files", [2, 15])
def test_the_downloads_page_takes_the_same_few_queries_however_many_files(
    signed, files, django_assert_max_num_queries
):
    from staff.models import Location

    user, client = district_admin("hr@district.example")
    for n in range(files):
        location = Location.objects.create(name=f"School {n}")
        file_request(
            kind=PreparedFile.Kind.CERTIFICATES_ZIP, user=user, cycle=signed, location=location
        )
    # measured: 12 with 2 files and with 15, plus the second factor's device (django-otp)
    with django_assert_max_num_queries(13):
        page = client.get("/admin/downloads/")
    assert page.content.decode().count("<td>Waiting</td>") == files
