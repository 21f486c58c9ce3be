"""Who may read the completion reports, and which reminders were sent."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportsAccess(models.Model):
    """The permissions of reading completion reports. No table: who administers which location
    is staff.LocationAccess."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_completion_reports", "Can view completion reports"),
            ("view_all_locations", "Can view every location's staff in reports"),
        ]

    def __str__(self):
        return "completion reports"


class ReminderLog(models.Model):
    """One reminder e-mail sent to a staff member about one assignment: by the daily command
    (no sender) or by an administrator from the staff report."""

    assignment = models.ForeignKey(
        "staff.Assignment", on_delete=models.CASCADE, related_name="reminders"
    )
    sent_on = models.DateField(_("sent on"))
    overdue = models.BooleanField(_("was overdue"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )

    class Meta:
        verbose_name = _("reminder sent")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "sent_on"], name="one_reminder_a_day")
        ]
        indexes = [models.Index(fields=["assignment", "sent_on"])]

    def __str__(self):
        return f"{self.assignment} – {self.sent_on}"


class DigestLog(models.Model):
    """One weekly digest of overdue staff sent to a location administrator."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("staff.Location", on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField(_("sent on"))
    overdue_count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("digest sent")
        constraints = [
            models.UniqueConstraint(fields=["user", "location", "sent_on"], name="one_digest_a_day")
        ]

    def __str__(self):
        return f"{self.user} – {self.location} – {self.sent_on}"
