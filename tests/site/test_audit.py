"""The audit trail of administrators' actions (issue H, item 21)."""

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import ModelLogEntry

from certificates.models import Certificate
from certificates.services import certificate_revoke
from jobs.models import PreparedFile
from jobs.services import file_request
from tests.certificates.conftest import sign
from tests.helpers import run_tasks
from tests.jobs.test_prepared_files import district_admin


@pytest.fixture
def signed_cycle(learner_client, passed_everything, settings, tmp_path):
    from staff.models import TrainingCycle

    settings.MEDIA_ROOT = tmp_path
    sign(learner_client)
    return TrainingCycle.objects.get(), tmp_path


def entries(action):
    return list(ModelLogEntry.objects.filter(action=action).select_related("user"))


def test_h21_revoking_a_certificate_is_recorded_with_who_when_and_why(
    learner_client, passed_everything, client
):
    sign(learner_client)
    admin, admin_client = district_admin("district@district.example")
    certificate = Certificate.objects.get()
    response = admin_client.post(
        f"/admin/certificates/{certificate.pk}/revoke/", {"reason": "Signed for someone else"}
    )
    assert response.status_code == 302
    [entry] = entries("eup.certificate.revoke")
    assert entry.user == admin and entry.object_id == str(certificate.pk)
    assert entry.data == {"reason": "Signed for someone else"}
    # Revoking again changes nothing and records nothing.
    certificate_revoke(certificate=certificate, reason="again", by=admin)
    assert len(entries("eup.certificate.revoke")) == 1

    it = get_user_model().objects.create_superuser("it@district.example", password="x")
    client.force_login(it)
    history = client.get("/admin/reports/site-history/").content.decode()
    assert "Certificate revoked" in history and "Signed for someone else" in history


def test_h21_downloading_a_records_archive_is_recorded(signed_cycle):
    cycle, tmp_path = signed_cycle
    admin, client = district_admin("district@district.example")
    prepared = file_request(kind=PreparedFile.Kind.RECORDS_ARCHIVE, user=admin, cycle=cycle)
    run_tasks()
    assert client.get(f"/admin/downloads/{prepared.pk}/").status_code == 200
    [entry] = entries("eup.file.download")
    assert entry.user == admin
    assert entry.data["file"] == f"records-{cycle.name}.zip"
