"""E-mail through an outbox, files prepared in the background, and recovery of tasks a
stopped worker left behind.

Every task is enqueued in the same database transaction as the row it works on: the queue
(django-tasks-db) is a table of that database, so the outbox row and its task are committed
together or not at all, and the worker cannot see the task before the row exists. (With a
queue outside the database the enqueue would belong in transaction.on_commit instead.)

Nothing is sent twice: a delivery first claims its e-mail with a conditional UPDATE
(queued/retrying -> sending), so a second task for the same e-mail finds nothing to do, and
an e-mail whose worker died mid-send is marked "uncertain" for a person to check rather than
sent again."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from eupsite.district_time import date_text, datetime_text
from eupsite.files import safe_filename, storage_problem
from eupsite.language import person_language

from .models import OutgoingEmail, PreparedFile

logger = logging.getLogger(__name__)

Email = OutgoingEmail.Status
File = PreparedFile.Status

CREDENTIAL_KINDS = {OutgoingEmail.Kind.INVITATION, OutgoingEmail.Kind.PASSWORD_RESET}

# Errors after which sending the same message again cannot succeed.
PERMANENT_EMAIL_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, ValueError)


# --- e-mail ----------------------------------------------------------------------------------


def email_queue(*, kind: str, to: str, subject: str, body: str) -> OutgoingEmail:
    """Record an e-mail in the outbox and queue its delivery (in one transaction)."""
    from .tasks import deliver_email

    with transaction.atomic():
        email = OutgoingEmail.objects.create(kind=kind, to=to, subject=subject, body=body)
        deliver_email.enqueue(email.pk)
    return email


def email_deliver(*, email_id: int) -> str:
    """Send one queued e-mail. Returns what happened, recorded as the task's result."""
    claimed = OutgoingEmail.objects.filter(
        pk=email_id, status__in=[Email.QUEUED, Email.RETRYING]
    ).update(status=Email.SENDING, attempts=F("attempts") + 1, last_attempt_at=timezone.now())
    if not claimed:
        return "nothing to do: already sent or being sent"
    email = OutgoingEmail.objects.get(pk=email_id)
    try:
        EmailMessage(subject=email.subject, body=email.body, to=[email.to]).send()
    # Whatever the mail backend raised, the message was not accepted: record why instead of
    # leaving the row "sending" for ever.
    except Exception as exc:  # noqa: BLE001
        return _email_failed(email, exc)
    sent = {"status": Email.SENT, "sent_at": timezone.now(), "last_error": ""}
    if email.kind in CREDENTIAL_KINDS:
        # The body holds a one-time sign-in link; once delivered it need not sit in the database.
        sent["body"] = ""
    OutgoingEmail.objects.filter(pk=email_id).update(**sent)
    return "sent"


def _email_failed(email: OutgoingEmail, exc: Exception) -> str:
    from .tasks import deliver_email

    error = f"{type(exc).__name__}: {exc}"[:2000]
    delays = settings.EMAIL_RETRY_DELAYS
    if isinstance(exc, PERMANENT_EMAIL_ERRORS) or email.attempts > len(delays):
        OutgoingEmail.objects.filter(pk=email.pk).update(status=Email.FAILED, last_error=error)
        logger.error("E-mail %s to %s failed for good: %s", email.pk, email.to, error)
        return "failed: " + error
    retry_at = timezone.now() + delays[email.attempts - 1]
    with transaction.atomic():
        OutgoingEmail.objects.filter(pk=email.pk).update(status=Email.RETRYING, last_error=error)
        deliver_email.using(run_after=retry_at).enqueue(email.pk)
    logger.warning(
        "E-mail %s to %s failed, retrying at %s: %s", email.pk, email.to, retry_at, error
    )
    return f"will retry at {datetime_text(retry_at)}: {error}"


def email_send_again(*, email: OutgoingEmail) -> bool:
    """An administrator's decision to send a failed or uncertain e-mail once more."""
    from .tasks import deliver_email

    with transaction.atomic():
        updated = OutgoingEmail.objects.filter(
            pk=email.pk, status__in=[Email.FAILED, Email.UNCERTAIN]
        ).update(status=Email.QUEUED, attempts=0)
        if updated:
            deliver_email.enqueue(email.pk)
    return bool(updated)


# --- prepared files --------------------------------------------------------------------------


def file_request(*, kind: str, user, cycle, location=None) -> PreparedFile:
    """Ask the worker for a file; the person is e-mailed when it is ready."""
    from .tasks import prepare_file

    where = f"-{location.name}" if location else ""
    stem = "certificates" if kind == PreparedFile.Kind.CERTIFICATES_ZIP else "records"
    filename = safe_filename(f"{stem}-{cycle.name}{where}.zip")
    with transaction.atomic():
        prepared = PreparedFile.objects.create(
            kind=kind, requested_by=user, cycle=cycle, location=location, filename=filename
        )
        prepare_file.enqueue(prepared.pk)
    return prepared


def file_prepare(*, prepared_file_id: int) -> str:
    # "running" is claimable too: recovery re-queues a file whose worker died while building it.
    claimed = PreparedFile.objects.filter(
        pk=prepared_file_id, status__in=[File.QUEUED, File.RUNNING]
    ).update(status=File.RUNNING, attempts=F("attempts") + 1)
    if not claimed:
        return "nothing to do: already finished"
    prepared = PreparedFile.objects.select_related("cycle", "location", "requested_by").get(
        pk=prepared_file_id
    )
    if prepared.attempts > settings.PREPARED_FILE_MAX_ATTEMPTS:
        return _file_failed(
            prepared,
            gettext(
                "The worker stopped %(count)s times while preparing this file. "
                "Ask for it again; if it fails again, tell your system administrator."
            )
            % {"count": prepared.attempts - 1},
        )
    try:
        data, count = _FILE_BUILDERS[prepared.kind].build(prepared)
        prepared.file.save(prepared.filename, ContentFile(data), save=False)
    except OSError as exc:
        logger.error("Prepared file %s could not be written: %s", prepared.pk, exc)
        return _file_failed(
            prepared,
            gettext(
                "The file could not be written: %(problem)s. Try again later, and tell "
                "your system administrator if it keeps failing."
            )
            % {"problem": storage_problem(exc)},
        )
    except FileUnavailable as exc:
        return _file_failed(prepared, str(exc))
    except Exception:
        # A fault of ours: the person is told, and the traceback stays with the task result.
        _file_failed(
            prepared, gettext("Something went wrong preparing this file; it has been logged.")
        )
        raise
    prepared.status, prepared.item_count = File.READY, count
    prepared.finished_at, prepared.error = timezone.now(), ""
    with transaction.atomic():
        prepared.save(update_fields=["status", "file", "item_count", "finished_at", "error"])
        _file_ready_email(prepared)
    return f"ready: {count} items"


def _file_failed(prepared: PreparedFile, error: str) -> str:
    PreparedFile.objects.filter(pk=prepared.pk).update(
        status=File.FAILED, error=error, finished_at=timezone.now()
    )
    logger.error("Prepared file %s failed: %s", prepared.pk, error)
    return "failed: " + error


def _file_ready_email(prepared: PreparedFile) -> None:
    user = prepared.requested_by
    if not user.email:
        return
    url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("jobs_prepared_files")
    with translation.override(person_language(user=user)):
        _file_ready_email_queue(prepared, user=user, url=url)


def _file_ready_email_queue(prepared: PreparedFile, *, user, url: str) -> None:
    email_queue(
        kind=OutgoingEmail.Kind.FILE_READY,
        to=user.email,
        subject=gettext("Ready to download: %(filename)s") % {"filename": prepared.filename},
        body=render_to_string(
            "jobs/email/file_ready.txt",
            {
                "user": user,
                "prepared": prepared,
                "url": url,
                "requested": datetime_text(prepared.requested_at),
                # It holds copies of staff records, so it does not stay (prepared_files_prune).
                "download_by": date_text(prepared.finished_at + settings.PREPARED_FILE_KEEP),
            },
        ),
    )


class FileUnavailable(Exception):
    """A file builder cannot make its file right now; the message says so to the person who
    asked (a certificate's PDF that cannot be produced, say)."""


@dataclass(frozen=True)
class FileBuilder:
    """How one kind of prepared file is made: `build(prepared) -> (bytes, item count)`, the
    form a person fills in to ask for it (its cleaned data goes to file_request), and the
    permission that lets them."""

    build: object
    form_class: type
    permission: str


# {PreparedFile.Kind: FileBuilder}: jobs knows no domain app; each app registers the files it
# builds (file_builder_register, from its AppConfig.ready), as Wagtail's hooks work.
_FILE_BUILDERS: dict[str, FileBuilder] = {}


def file_builder_register(kind: str, build, *, form_class: type, permission: str) -> None:
    _FILE_BUILDERS[kind] = FileBuilder(build=build, form_class=form_class, permission=permission)


def file_request_forms(*, user) -> dict[str, type]:
    """{kind: form class} of the files `user` may ask for, in the order of PreparedFile.Kind."""
    return {
        kind: _FILE_BUILDERS[kind].form_class
        for kind in PreparedFile.Kind.values
        if kind in _FILE_BUILDERS and user.has_perm(_FILE_BUILDERS[kind].permission)
    }


def prepared_files_prune(*, older_than: timedelta | None = None) -> int:
    """Delete the stored files of ready downloads older than PREPARED_FILE_KEEP (they hold
    copies of staff records; the records themselves stay in the database). Returns how many."""
    cutoff = timezone.now() - (older_than or settings.PREPARED_FILE_KEEP)
    pruned = 0
    for prepared in PreparedFile.objects.filter(status=File.READY, finished_at__lt=cutoff):
        prepared.file.delete(save=False)
        PreparedFile.objects.filter(pk=prepared.pk).update(status=File.EXPIRED, file="")
        pruned += 1
    return pruned


# --- recovery --------------------------------------------------------------------------------


class WorkerLost(Exception):
    """Recorded as the error of a task whose worker stopped while running it."""


@dataclass
class Recovery:
    requeued: list[str] = field(default_factory=list)
    uncertain_emails: list[int] = field(default_factory=list)


def tasks_recover(
    *, worker_id: str | None = None, stale_after: timedelta | None = None
) -> Recovery:
    """Deal with tasks left "running" by a worker that stopped (killed, out of memory, machine
    restarted): those last claimed by `worker_id` (a worker restarting under the same id knows
    its predecessor is gone) and those running longer than `stale_after`. Each is recorded as
    failed; its work is queued again, except an e-mail that may already have gone out, which
    is marked uncertain and reported instead."""
    from .tasks import BACKEND, deliver_email

    stale_after = stale_after or settings.TASK_STALE_AFTER
    cutoff = timezone.now() - stale_after
    recovery = Recovery()
    running = DBTaskResult.objects.running().filter(backend_name=BACKEND)
    for result in running.order_by("started_at"):
        abandoned = bool(worker_id) and result.worker_ids[-1:] == [worker_id]
        if not (abandoned or result.started_at < cutoff):
            continue
        with transaction.atomic():
            result = (
                DBTaskResult.objects.select_for_update()
                .filter(pk=result.pk, status=result.status)
                .first()
            )
            if result is None:  # finished or recovered meanwhile
                continue
            result.set_failed(WorkerLost(f"worker {result.worker_ids[-1:]} stopped mid-task"))
            args = result.args_kwargs["args"]
            if result.task_path == deliver_email.module_path:
                OutgoingEmail.objects.filter(pk=args[0], status=Email.SENDING).update(
                    status=Email.UNCERTAIN,
                    last_error=gettext("The worker stopped while sending; it may have gone out."),
                )
                recovery.uncertain_emails.append(args[0])
                continue
            result.task.enqueue(*args, **result.args_kwargs["kwargs"])
            recovery.requeued.append(f"{result.task_name}{tuple(args)}")
    for email_id in recovery.uncertain_emails:
        logger.error("E-mail %s: worker stopped while sending; marked uncertain.", email_id)
    return recovery
