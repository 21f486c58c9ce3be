"""What the background worker does for people: e-mails waiting to go out (an outbox that
records every message and its delivery) and files prepared on request (certificate ZIPs,
records archives). The task queue itself is django-tasks-db's table; these rows say what
each task is for and how it ended, in words an administrator can act on."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from eupsite.files import unguessable_path


class OutgoingEmail(models.Model):
    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        REMINDER = "reminder", _("Reminder")
        DIGEST = "digest", _("Overdue digest")
        PASSWORD_RESET = "password_reset", _("Password reset")
        FILE_READY = "file_ready", _("File ready")
        CERTIFICATE = "certificate", _("Certificate issued")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        RETRYING = "retrying", _("Failed, will try again")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, gave up")
        UNCERTAIN = "uncertain", _("Worker stopped while sending: check with the recipient")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mail outbox")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "last_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="sent", sent_at__isnull=False)
                | (~models.Q(status="sent") & models.Q(sent_at__isnull=True)),
                name="email_sent_at_iff_sent",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.to}: {self.subject}"


class PreparedFile(models.Model):
    """A file someone asked for that takes too long to build during a request."""

    class Kind(models.TextChoices):
        CERTIFICATES_ZIP = "certificates_zip", _("Certificates of a location (ZIP)")
        RECORDS_ARCHIVE = "records_archive", _("Records archive of a cycle (ZIP)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired: ask for it again")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prepared_files"
    )
    cycle = models.ForeignKey("staff.TrainingCycle", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(
        "staff.Location", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    file = models.FileField(_("file"), upload_to=unguessable_path("prepared"), blank=True)
    filename = models.CharField(_("file name"), max_length=200)
    item_count = models.PositiveIntegerField(_("items"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("prepared file")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="certificates_zip") | models.Q(location__isnull=False),
                name="certificates_zip_has_location",
            )
        ]

    def __str__(self):
        return self.filename
