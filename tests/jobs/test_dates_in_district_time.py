"""The outbox and the downloads show, and the "file ready" e-mail says, the district's day and
time: an evening in New York is the next morning in UTC, where moments are stored."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from jobs.models import OutgoingEmail, PreparedFile
from jobs.services import email_queue
from tests.certificates.conftest import sign
from tests.helpers import run_tasks
from tests.jobs.test_prepared_files import district_admin

# 11:30 p.m. on Sunday, December 13, 2026 in New York: already December 14 in UTC.
EVENING = datetime(2026, 12, 14, 4, 30, tzinfo=UTC)


@pytest.fixture
def evening_email(db):
    email = email_queue(
        kind=OutgoingEmail.Kind.REMINDER, to="t@school.example", subject="Reminder", body="B"
    )
    OutgoingEmail.objects.filter(pk=email.pk).update(
        created_at=EVENING, last_attempt_at=EVENING, sent_at=EVENING, status="sent"
    )
    return email


def test_the_outbox_detail_page_shows_the_same_local_time_as_its_listing(evening_email):
    _, client = district_admin("office@district.example")
    listing = client.get("/admin/snippets/jobs/outgoingemail/").content.decode()
    detail = client.get(
        f"/admin/snippets/jobs/outgoingemail/inspect/{evening_email.pk}/"
    ).content.decode()
    assert "11:30 p.m." in listing
    # Queued, last attempt and sent: all three on the district's day and time.
    assert detail.count("Dec 13, 2026, 11:30 p.m.") == 3
    for page in (listing, detail):
        assert "4:30 a.m." not in page and "Dec 14" not in page and "Dec. 14" not in page


@pytest.fixture
def signed_cycle(learner_client, passed_everything, settings, tmp_path):
    from staff.models import TrainingCycle

    settings.MEDIA_ROOT = tmp_path
    sign(learner_client)
    return TrainingCycle.objects.get()


def test_the_downloads_page_and_the_file_ready_email_give_the_district_day(
    signed_cycle, monkeypatch
):
    user, client = district_admin("records@district.example")
    client.post(
        "/admin/downloads/",
        {"kind": "records_archive", "records_archive-cycle": signed_cycle.pk},
    )
    prepared = PreparedFile.objects.get()
    PreparedFile.objects.filter(pk=prepared.pk).update(requested_at=EVENING)
    # The worker finishes the file a minute later, still on the evening of December 13.
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: EVENING + timedelta(minutes=1))
        run_tasks()

    page = client.get("/admin/downloads/").content.decode()
    assert "Dec 13, 2026, 11:30 PM" in page  # the admin's short date and time
    ready = next(m for m in mail.outbox if m.to == [user.email])
    assert "asked for on Dec 13, 2026, 11:30 p.m." in ready.body
    # Kept for a week from when it was finished (11:31 p.m. on the 13th): until the 20th.
    assert "Download it by Dec 20, 2026" in ready.body
    assert "Dec 14" not in ready.body and "Dec 21" not in ready.body
