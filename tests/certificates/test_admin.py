import io
import zipfile

import pytest
from django.core import mail

from certificates.models import Certificate
from jobs.models import PreparedFile
from staff.models import Location, TrainingCycle
from tests.helpers import login_verified, run_tasks

from .conftest import sign


@pytest.fixture
def certificate(learner_client, passed_everything, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sign(learner_client)
    return Certificate.objects.get()


@pytest.fixture
def hr_client(db, django_user_model):
    from django.test import Client

    admin = django_user_model.objects.create_superuser(
        "hr@district.example", email="hr@district.example", password="pw"
    )
    client = Client()
    login_verified(client, admin)
    return client


def test_administrators_list_and_download_any_certificate(hr_client, certificate):
    listing = hr_client.get("/admin/snippets/certificates/certificate/").content.decode()
    assert certificate.code in listing
    assert f"/certificates/{certificate.code}/download/" in listing
    response = hr_client.get(f"/certificates/{certificate.code}/download/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_certificates_cannot_be_added_edited_or_deleted_in_the_admin(hr_client, certificate):
    base = "/admin/snippets/certificates/certificate"
    assert hr_client.get(f"{base}/add/").status_code in (302, 403)
    assert hr_client.get(f"{base}/edit/{certificate.pk}/").status_code in (302, 403)
    assert hr_client.post(f"{base}/delete/{certificate.pk}/").status_code in (302, 403)
    assert Certificate.objects.filter(pk=certificate.pk).exists()


def test_revoking_in_the_admin_needs_a_reason_and_shows_on_the_verify_page(
    hr_client, client, certificate
):
    url = f"/admin/certificates/{certificate.pk}/revoke/"
    assert hr_client.post(url, {"reason": ""}).status_code == 200
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    hr_client.post(url, {"reason": "Signed by the wrong person"})
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Signed by the wrong person"
    page = hr_client.get(f"/certificates/verify/{certificate.code}/").content.decode()
    assert "Revoked." in page and "wrong person" not in page


def test_a_zip_of_a_location_and_cycle_is_prepared_in_the_background(hr_client, certificate):
    location = Location.objects.get(name=certificate.location_name)
    cycle = TrainingCycle.objects.get(name=certificate.cycle_name)
    response = hr_client.post(
        "/admin/downloads/",
        {
            "kind": "certificates_zip",
            "certificates_zip-location": location.pk,
            "certificates_zip-cycle": cycle.pk,
        },
    )
    assert response.status_code == 302
    prepared = PreparedFile.objects.get()
    assert prepared.status == "queued"
    run_tasks()
    prepared.refresh_from_db()
    assert prepared.status == "ready" and prepared.item_count == 1
    listing = hr_client.get("/admin/downloads/").content.decode()
    assert f"/admin/downloads/{prepared.pk}/" in listing
    download = hr_client.get(f"/admin/downloads/{prepared.pk}/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = archive.namelist()
    assert len(names) == 1 and certificate.code in names[0]
    assert archive.read(names[0]).startswith(b"%PDF")
    ready_mail = [m for m in mail.outbox if m.subject.startswith("Ready to download")]
    assert ready_mail and ready_mail[0].to == ["hr@district.example"]


def test_learners_cannot_reach_certificate_administration(learner_client, certificate):
    assert learner_client.get(f"/admin/certificates/{certificate.pk}/revoke/").status_code in (
        302,
        403,
    )
    assert learner_client.get("/admin/downloads/").status_code in (302, 403)
