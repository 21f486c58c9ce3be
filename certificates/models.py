"""The signed policy acknowledgement and the certificate it earns: compliance records, written
once and never edited by the learner flow (a certificate can only be revoked, with a reason)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from eupsite.district_time import date_text
from eupsite.files import unguessable_path


class Acknowledgement(models.Model):
    """A staff member's signature under the Acknowledgement of Receipt (Conn. Gen. Stat.
    § 31-48d notice) at the end of their training in one cycle."""

    # One per assignment and policy version: a material change is acknowledged again.
    assignment = models.ForeignKey(
        "staff.Assignment", on_delete=models.PROTECT, related_name="acknowledgements"
    )
    staff = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    typed_name = models.CharField(_("name typed as signature"), max_length=300)
    signed_at = models.DateTimeField(_("signed at"))
    text_sha256 = models.CharField(_("SHA-256 of the text shown"), max_length=64)
    # The exact version signed. Empty only for a signature made before versions were kept in
    # the database, until load_course ties it to its version by text_sha256.
    policy_version = models.ForeignKey(
        "training.PolicyVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acknowledgements",
        verbose_name=_("version signed"),
    )
    course_revision = models.CharField(_("course revision completed"), max_length=64)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.TextField(_("browser"), blank=True)
    # The language of the text the signer was shown (settings.LANGUAGES); the policy version
    # above says which text. All before Spanish: English.
    language = models.CharField(_("language"), max_length=10, default="en")
    # The reviewed translation the signer read beside the English (which governs); empty when
    # they were shown the English alone.
    translation = models.ForeignKey(
        "training.CourseTranslation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acknowledgements",
        verbose_name=_("translation shown"),
    )

    class Meta:
        verbose_name = _("acknowledgement")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "policy_version"], name="acknowledged_once_per_version"
            ),
            # A signature from before versions were kept: one per assignment, as then.
            models.UniqueConstraint(
                fields=["assignment"],
                condition=models.Q(policy_version__isnull=True),
                name="one_unversioned_acknowledgement",
            ),
        ]

    def __str__(self):
        return f"{self.typed_name}, {date_text(self.signed_at)}"


class Certificate(models.Model):
    """What the holder keeps and anyone may verify. The holder's details are copied at issue so
    the certificate says what was true then, whatever the roster says later."""

    # One per acknowledgement; after a material change the newer one supersedes the older
    # (selectors.certificate_superseded_by: the record itself is never edited for it).
    assignment = models.ForeignKey(
        "staff.Assignment", on_delete=models.PROTECT, related_name="certificates"
    )
    acknowledgement = models.OneToOneField(
        Acknowledgement, on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(_("verification code"), max_length=19, unique=True)
    holder_name = models.CharField(_("holder"), max_length=300)
    employee_id = models.CharField(_("employee id"), max_length=50)
    location_name = models.CharField(_("location"), max_length=200)
    course_title = models.CharField(_("course"), max_length=255)
    cycle_name = models.CharField(_("cycle"), max_length=20)
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("expires on"))
    section_scores = models.JSONField(_("section scores"), default=list)
    unprintable_characters = models.CharField(
        _("characters the certificate font cannot print"),
        max_length=100,
        blank=True,
        help_text=_(
            "Found in the holder's name, location, course or signature when it was issued. "
            "The PDF shows a box for each: check the roster spelling."
        ),
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    pdf = models.FileField(_("PDF"), upload_to=unguessable_path("certificates"), blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revoking"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("certificate")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | ~models.Q(revoked_reason=""),
                name="certificate_revoked_with_a_reason",
            ),
        ]

    def __str__(self):
        return f"{self.holder_name} – {self.cycle_name} ({self.code})"
