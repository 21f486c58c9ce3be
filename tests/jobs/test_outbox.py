"""E-mail goes through the outbox and the worker: queued with the records it is about, retried
when the mail server fails, given up and reported after the last retry, never sent twice."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jobs.models import OutgoingEmail
from jobs.services import email_deliver, email_queue, tasks_recover
from jobs.tasks import deliver_email
from tests.helpers import run_tasks

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status


def queue(to="teacher@school.example", kind=OutgoingEmail.Kind.REMINDER):
    return email_queue(kind=kind, to=to, subject="Your training", body="Please finish it.")


class FailingBackend:
    """A mail backend whose server is down; counts the tries."""

    calls = 0
    error: Exception = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        type(self).calls += 1
        raise type(self).error


@pytest.fixture
def mail_server_down(settings):
    FailingBackend.calls = 0
    FailingBackend.error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    return FailingBackend


def make_retries_due():
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def test_an_email_is_queued_and_sent_by_the_worker_not_during_the_request():
    email = queue()
    assert mail.outbox == [] and email.status == Status.QUEUED
    assert run_tasks() == 1
    email.refresh_from_db()
    assert email.status == Status.SENT and email.sent_at is not None and email.attempts == 1
    assert [m.to for m in mail.outbox] == [["teacher@school.example"]]


def test_an_email_queued_in_a_transaction_that_rolls_back_leaves_no_trace():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue()
        raise RuntimeError("the surrounding work failed")
    assert not OutgoingEmail.objects.exists() and not DBTaskResult.objects.exists()


def test_a_second_task_for_the_same_email_sends_nothing():
    email = queue()
    deliver_email.enqueue(email.pk)  # e.g. a recovery that queued it again
    assert run_tasks() == 2
    assert len(mail.outbox) == 1
    assert email_deliver(email_id=email.pk).startswith("nothing to do")


def test_a_failed_delivery_is_retried_later_and_then_sent_once(mail_server_down, settings):
    email = queue()
    run_tasks()
    email.refresh_from_db()
    assert email.status == Status.RETRYING and email.attempts == 1
    assert "SMTPServerDisconnected" in email.last_error
    retry = DBTaskResult.objects.get(status="READY")
    expected = email.last_attempt_at + settings.EMAIL_RETRY_DELAYS[0]
    assert abs((retry.run_after - expected).total_seconds()) < 5
    assert run_tasks() == 0  # not due yet

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_retries_due()
    run_tasks()
    email.refresh_from_db()
    assert email.status == Status.SENT and email.attempts == 2 and email.last_error == ""
    assert len(mail.outbox) == 1


def test_after_the_last_retry_the_email_is_given_up_and_reported(mail_server_down, admin_client):
    email = queue()
    for _ in range(10):
        make_retries_due()
        run_tasks()
    email.refresh_from_db()
    assert email.status == Status.FAILED
    assert mail_server_down.calls == email.attempts == 5  # the first try and four retries
    assert not DBTaskResult.objects.filter(status="READY").exists()
    home = admin_client.get("/admin/").content.decode()
    assert "1 e-mail could not be delivered after several tries" in home


def test_emails_waiting_long_for_a_worker_are_reported(admin_client):
    queue()
    assert "waited more than" not in admin_client.get("/admin/").content.decode()
    OutgoingEmail.objects.update(created_at=timezone.now() - timedelta(minutes=16))
    home = admin_client.get("/admin/").content.decode()
    assert "1 e-mail has waited more than 15 minutes" in home and "run_worker" in home


def test_a_refused_address_is_not_retried(mail_server_down):
    mail_server_down.error = smtplib.SMTPRecipientsRefused({"x@y": (550, b"No such user")})
    email = queue()
    run_tasks()
    email.refresh_from_db()
    assert email.status == Status.FAILED and mail_server_down.calls == 1
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_sign_in_links_are_not_kept_after_sending_nor_shown_in_the_admin(admin_client):
    email = queue(kind=OutgoingEmail.Kind.INVITATION)
    inspect = admin_client.get(f"/admin/snippets/jobs/outgoingemail/inspect/{email.pk}/")
    assert inspect.status_code == 200 and "Please finish it." not in inspect.content.decode()
    listing = admin_client.get("/admin/snippets/jobs/outgoingemail/?status=queued")
    assert listing.status_code == 200 and "Your training" in listing.content.decode()
    assert "Please finish it." not in listing.content.decode()
    run_tasks()
    email.refresh_from_db()
    assert email.status == Status.SENT and email.body == ""
    assert mail.outbox[0].body == "Please finish it."


def _claimed_by_a_worker_that_died(task_result_id, worker_id="host-1"):
    """What the database holds after `kill -9` of a worker mid-task."""
    DBTaskResult.objects.filter(pk=task_result_id).update(
        status="RUNNING", started_at=timezone.now(), worker_ids=[worker_id]
    )


def test_an_email_whose_worker_died_mid_send_is_reported_uncertain_and_not_resent(
    admin_client,
):
    email = queue()
    _claimed_by_a_worker_that_died(DBTaskResult.objects.get().pk)
    OutgoingEmail.objects.filter(pk=email.pk).update(status=Status.SENDING, attempts=1)

    assert tasks_recover(worker_id="host-2").uncertain_emails == []  # another worker's: alive
    recovery = tasks_recover(worker_id="host-1")
    assert recovery.uncertain_emails == [email.pk] and recovery.requeued == []
    run_tasks()
    email.refresh_from_db()
    assert email.status == Status.UNCERTAIN and mail.outbox == []
    lost = DBTaskResult.objects.get()
    assert lost.status == "FAILED" and lost.exception_class_path == "jobs.services.WorkerLost"
    assert "may or may not have gone out" in admin_client.get("/admin/").content.decode()

    # An administrator decides to send it again, from the outbox.
    url = f"/admin/bulk/jobs/outgoingemail/send_again/?next=/admin/&id={email.pk}"
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url).status_code == 302
    run_tasks()
    email.refresh_from_db()
    assert email.status == Status.SENT and len(mail.outbox) == 1


def test_a_task_running_longer_than_the_stale_limit_is_recovered_too(settings):
    email = queue()
    _claimed_by_a_worker_that_died(DBTaskResult.objects.get().pk, worker_id="gone")
    OutgoingEmail.objects.filter(pk=email.pk).update(status=Status.SENDING)
    assert tasks_recover(stale_after=timedelta(hours=1)).uncertain_emails == []
    DBTaskResult.objects.update(started_at=timezone.now() - timedelta(hours=2))
    assert tasks_recover(stale_after=timedelta(hours=1)).uncertain_emails == [email.pk]
