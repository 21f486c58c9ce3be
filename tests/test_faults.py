"""Faults: the database connection dies in the middle of a write. Run on PostgreSQL (.ci/run),
where the server really drops the connection."""

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from quizzes.models import Attempt, AttemptQuestion
from staff.models import Staff
from tests.helpers import answer_attempt, login_verified, read_all_slides, restore_migration_data

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a PostgreSQL server"),
    pytest.mark.django_db(transaction=True),
]


def kill_this_connection():
    """Have the server terminate Django's current connection, from a second connection."""
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def killing_before(original):
    def wrapper(*args, **kwargs):
        kill_this_connection()
        return original(*args, **kwargs)

    return wrapper


def test_a_connection_lost_while_submitting_records_nothing_and_a_retry_succeeds(
    client, monkeypatch
):
    from django.contrib.auth import get_user_model

    from training.models import SectionPage

    restore_migration_data()
    call_command("load_course", verbosity=0)
    user = get_user_model().objects.create_user("fault@school.example", password="x")
    login_verified(client, user)
    section = SectionPage.objects.order_by("path").first()
    read_all_slides(user, section)
    client.get(f"/quiz/section/{section.pk}/")
    attempt = Attempt.objects.get()
    data = answer_attempt(attempt)

    monkeypatch.setattr(
        AttemptQuestion.objects, "bulk_update", killing_before(AttemptQuestion.objects.bulk_update)
    )
    failed = client.post(f"/quiz/attempt/{attempt.pk}/submit/", data)
    assert failed.status_code == 503
    assert b"Nothing of this submission was recorded" in failed.content
    monkeypatch.undo()

    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert not AttemptQuestion.objects.filter(selected_choice_ids__isnull=False).exists()

    retry = client.post(f"/quiz/attempt/{attempt.pk}/submit/", data)
    assert retry.status_code == 302
    attempt.refresh_from_db()
    assert attempt.passed and Attempt.objects.count() == 1


def test_a_connection_lost_during_a_roster_import_writes_nothing_and_a_retry_succeeds(
    tmp_path, monkeypatch
):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "employee_id,first_name,last_name,email,location,job_title,hire_date,active\n"
        + "".join(
            f"E{n},First{n},Last{n},p{n}@district.example,School,Teacher,2024-01-10,yes\n"
            for n in range(50)
        )
    )
    import staff.services

    # New staff go through bulk_insert (COPY on PostgreSQL, bulk_create elsewhere).
    monkeypatch.setattr(staff.services, "bulk_insert", killing_before(staff.services.bulk_insert))
    with pytest.raises(CommandError, match="nothing was imported. Run the command again"):
        call_command("import_roster", roster, verbosity=0)
    monkeypatch.undo()
    connection.close()
    assert Staff.objects.count() == 0
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username__endswith="@district.example").exists()
    call_command("import_roster", roster, verbosity=0)
    assert Staff.objects.count() == 50


@pytest.fixture
def ready_to_sign(client, passed_everything_tx):
    """A learner who passed every quiz, signed in (committed: the fault kills the connection)."""
    login_verified(client, passed_everything_tx)
    return client


def test_h12_a_connection_lost_while_signing_records_nothing_says_so_and_a_retry_succeeds(
    ready_to_sign, monkeypatch
):
    from certificates.models import Acknowledgement, Certificate

    client = ready_to_sign
    form = {"typed_name": "María O'Neil-Núñez", "confirm": "yes"}
    monkeypatch.setattr(Certificate.objects, "create", killing_before(Certificate.objects.create))
    failed = client.post("/certificates/complete/", form)
    assert failed.status_code == 503
    assert b"Nothing was saved halfway" in failed.content
    monkeypatch.undo()
    connection.close()
    assert not Acknowledgement.objects.exists() and not Certificate.objects.exists()

    retry = client.post("/certificates/complete/", form)
    assert retry.status_code == 302
    assert Certificate.objects.count() == 1 == Acknowledgement.objects.count()


def test_h12_a_connection_lost_on_the_first_pdf_download_says_so_and_a_retry_succeeds(
    ready_to_sign, monkeypatch, settings, tmp_path
):
    from certificates.models import Certificate

    settings.MEDIA_ROOT = tmp_path
    client = ready_to_sign
    client.post("/certificates/complete/", {"typed_name": "María O'Neil-Núñez", "confirm": "yes"})
    certificate = Certificate.objects.get()
    queryset_class = type(Certificate.objects.all())
    # The first download claims the stored file with one conditional UPDATE.
    monkeypatch.setattr(queryset_class, "update", killing_before(queryset_class.update))
    failed = client.get(f"/certificates/{certificate.code}/download/")
    assert failed.status_code == 503
    assert b"try again" in failed.content.lower()
    monkeypatch.undo()
    connection.close()
    retry = client.get(f"/certificates/{certificate.code}/download/")
    assert retry.status_code == 200 and retry["Content-Type"] == "application/pdf"


def test_h12_a_connection_lost_while_applying_a_roster_in_the_admin_says_so_and_a_retry_works(
    client, monkeypatch
):
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile

    from staff.models import RosterImport
    from tests.conftest import make_user

    restore_migration_data()
    hr = make_user("hr-fault@district.example")
    hr.groups.add(Group.objects.get(name="HR administrators"))
    login_verified(client, hr)
    text = "employee_id,first_name,last_name,email,location,job_title,hire_date,active\n" + "".join(
        f"E{n},First{n},Last{n},p{n}@district.example,School,Teacher,2024-01-10,yes\n"
        for n in range(20)
    )
    client.post(
        "/admin/roster/import/",
        {"file": SimpleUploadedFile("roster.csv", text.encode(), "text/csv")},
    )
    url = f"/admin/roster/import/{RosterImport.objects.get().pk}/"
    import staff.services

    # New staff go through bulk_insert (COPY on PostgreSQL, bulk_create elsewhere).
    monkeypatch.setattr(staff.services, "bulk_insert", killing_before(staff.services.bulk_insert))
    failed = client.post(url)
    assert failed.status_code == 503 and b"Nothing was saved halfway" in failed.content
    monkeypatch.undo()
    connection.close()
    assert Staff.objects.count() == 0 and RosterImport.objects.get().applied_at is None
    assert client.post(url).status_code == 302
    assert Staff.objects.count() == 20
