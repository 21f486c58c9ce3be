"""A learner who signs at 11:30 p.m. in New York signs on that day, not on the next UTC day:
on the certificate PDF, the admin's detail page, the course page and the records export."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from certificates.models import Acknowledgement, Certificate
from certificates.pdf import render_certificate
from certificates.services import acknowledgement_sign
from reports.records import records_files
from staff.groups import DISTRICT
from tests.conftest import make_user
from tests.helpers import login_verified

# 11:30 p.m. on December 13, 2026 in New York: already December 14 in UTC.
EVENING = datetime(2026, 12, 14, 4, 30, tzinfo=UTC)


@pytest.fixture
def signed_in_the_evening(learner, passed_everything, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: EVENING)
        return acknowledgement_sign(
            user=learner,
            typed_name="María O'Neil-Núñez",
            confirmed=True,
            ip_address=None,
            user_agent="pytest",
        )


def test_the_certificate_pdf_is_dated_the_district_day_whatever_time_zone_renders_it(
    signed_in_the_evening,
):
    certificate = signed_in_the_evening
    assert certificate.completed_on.isoformat() == "2026-12-13"
    # A worker or request running in UTC renders it: the dates stay the district's.
    with timezone.override(UTC):
        pdf = render_certificate(certificate)
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "Completed on December 13, 2026" in text
    assert 'Signed electronically by "María O\'Neil-Núñez" on December 13, 2026' in text
    assert "December 14" not in text


def test_the_admin_shows_the_certificate_issued_and_signed_on_the_district_day(
    signed_in_the_evening,
):
    office = make_user("office@district.example")
    office.groups.add(Group.objects.get(name=DISTRICT))
    client = Client()
    login_verified(client, office)
    page = client.get(
        f"/admin/snippets/certificates/certificate/inspect/{signed_in_the_evening.pk}/"
    ).content.decode()
    assert "Dec 13, 2026, 11:30 p.m." in page  # issued at
    assert "4:30 a.m." not in page
    assert str(Acknowledgement.objects.get()) == "María O'Neil-Núñez, Dec 13, 2026"


def test_the_course_page_says_the_training_was_completed_on_the_district_day(
    learner_client, signed_in_the_evening
):
    page = learner_client.get("/").content.decode()
    assert "Completed on December 13, 2026" in page
    assert "December 14, 2026" not in page


def test_the_records_export_writes_moments_in_the_district_time_zone(signed_in_the_evening):
    files, _ = records_files(cycle=signed_in_the_evening.assignment.cycle)
    acknowledgement = json.loads(files["acknowledgements.json"])[0]
    assignment = json.loads(files["assignments.json"])[0]
    assert acknowledgement["signed_at"] == "2026-12-13T23:30:00-05:00"
    assert assignment["completed_at"] == "2026-12-13T23:30:00-05:00"
    rows = list(csv.DictReader(io.StringIO(files["acknowledgements.csv"].decode())))
    assert rows[0]["signed_at"] == "2026-12-13T23:30:00-05:00"
    # Not yet revoked: an empty cell, not "None".
    certificate = list(csv.DictReader(io.StringIO(files["certificates.csv"].decode())))[0]
    assert certificate["revoked_at"] == ""
    assert Certificate.objects.get().completed_on.isoformat() == "2026-12-13"
