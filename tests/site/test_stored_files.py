"""Stored records are served only through views that check who is asking (issue H, item 15)."""

import importlib
import re

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

from certificates.models import Certificate
from jobs.models import PreparedFile
from jobs.services import file_request
from tests.certificates.conftest import sign
from tests.helpers import login_verified, run_tasks


@pytest.fixture
def dev_urls(settings):
    """The URLconf as development settings (DEBUG) build it."""
    import eupsite.urls

    settings.DEBUG = True
    with override_settings(DEBUG=True):
        importlib.reload(eupsite.urls)
        clear_url_caches()
        yield
    importlib.reload(eupsite.urls)
    clear_url_caches()


def test_h15_certificate_pdfs_have_unguessable_names_and_are_not_served_as_media(
    learner_client, client, passed_everything, settings, tmp_path, dev_urls
):
    settings.MEDIA_ROOT = tmp_path
    sign(learner_client)
    certificate = Certificate.objects.get()
    assert learner_client.get(f"/certificates/{certificate.code}/download/").status_code == 200
    certificate.refresh_from_db()
    name = certificate.pdf.name
    assert re.fullmatch(r"certificates/[A-Za-z0-9_-]{24}/[A-Z0-9-]+\.pdf", name), name
    assert (tmp_path / name).exists()
    # Not as a file under /media/, neither to a stranger nor to its holder.
    assert client.get(f"/media/{name}").status_code == 404
    assert learner_client.get(f"/media/{name}").status_code == 404


def test_h15_prepared_zips_have_unguessable_names_and_are_not_served_as_media(
    client, cycle, staff_learner, settings, tmp_path, dev_urls, django_user_model
):
    from django.contrib.auth.models import Group

    settings.MEDIA_ROOT = tmp_path
    admin = django_user_model.objects.create_user("d@school.example", email="d@school.example")
    admin.groups.add(Group.objects.get(name="District administrators"))
    prepared = file_request(
        kind=PreparedFile.Kind.CERTIFICATES_ZIP,
        user=admin,
        cycle=cycle,
        location=staff_learner.location,
    )
    run_tasks()
    prepared.refresh_from_db()
    assert prepared.status == PreparedFile.Status.READY
    folder = prepared.file.name.split("/")[1]
    assert len(folder) == 24 and staff_learner.location.name not in folder
    login_verified(client, admin)
    assert client.get(f"/media/{prepared.file.name}").status_code == 404
    assert client.get(f"/admin/downloads/{prepared.pk}/").status_code == 200
