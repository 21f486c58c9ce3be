"""The learner receives their certificate by e-mail when it is issued: through the outbox, in
the same transaction as the certificate (never twice, never lost), with a download link that
needs signing in."""

import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import DatabaseError, connection
from django.test import Client
from django.utils import formats

from certificates import services
from certificates.models import Acknowledgement, Certificate
from jobs.models import OutgoingEmail
from staff.models import Assignment, Staff
from tests.helpers import run_tasks

from .conftest import sign


def test_signing_sends_the_certificate_by_email(learner_client, passed_everything, settings):
    sign(learner_client)
    certificate = Certificate.objects.get()
    email = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.CERTIFICATE)
    assert email.to == "learner@school.example"
    run_tasks()
    (message,) = mail.outbox
    body = message.body
    completed = formats.date_format(certificate.completed_on, "M j, Y")
    assert message.subject == f"Your certificate: {certificate.course_title}"
    assert body.startswith("Hello María,")
    assert f"You completed the {certificate.course_title} training on {completed}" in body
    base = settings.WAGTAILADMIN_BASE_URL
    assert f"{base}/certificates/{certificate.code}/download/" in body
    assert f"Verification code: {certificate.code}" in body
    assert f"{base}/certificates/verify/{certificate.code}/" in body
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    # The e-mail is kept (it holds no sign-in link), for the outbox's record.
    assert OutgoingEmail.objects.get(pk=email.pk).body == body


def test_the_download_link_needs_signing_in(learner_client, passed_everything):
    sign(learner_client)
    code = Certificate.objects.get().code
    response = Client().get(f"/certificates/{code}/download/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert learner_client.get(f"/certificates/{code}/download/").status_code == 200


def test_signing_twice_sends_one_email(learner_client, passed_everything):
    sign(learner_client)
    sign(learner_client)
    assert OutgoingEmail.objects.filter(kind="certificate").count() == 1


def test_if_the_email_cannot_be_queued_no_certificate_is_issued_either(
    learner_client, passed_everything
):
    with mock.patch.object(services, "email_queue", side_effect=DatabaseError("disk full")):
        with pytest.raises(DatabaseError):
            sign(learner_client)
    assert not Certificate.objects.exists() and not Acknowledgement.objects.exists()
    assert Assignment.objects.get().completed_at is None
    assert not OutgoingEmail.objects.exists()


def test_someone_without_a_work_email_gets_no_email_but_their_certificate(
    learner_client, passed_everything
):
    Staff.objects.filter(pk=passed_everything.pk).update(email="")
    sign(learner_client)
    assert Certificate.objects.count() == 1
    assert not OutgoingEmail.objects.filter(kind="certificate").exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL for real concurrency"
)
@pytest.mark.django_db(transaction=True)
def test_four_signatures_at_once_send_one_email(passed_everything_tx):
    barrier = threading.Barrier(4)

    def attempt():
        from django.db import connections

        try:
            barrier.wait()
            services.acknowledgement_sign(
                user=passed_everything_tx,
                typed_name="María O'Neil-Núñez",
                confirmed=True,
                ip_address="127.0.0.1",
                user_agent="thread",
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Certificate.objects.count() == 1
    assert OutgoingEmail.objects.filter(kind="certificate").count() == 1
