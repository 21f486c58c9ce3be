"""The HR roster (Staff at Locations), the school-year training cycles, and each staff
member's assignment in a cycle. An assignment's status is derived (see selectors), never
stored."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length, Lower, Trim
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .folding import staff_search_text


class Location(models.Model):
    """A school or department: what reports group by and location administrators manage."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")

    def __str__(self):
        return self.name


class Staff(models.Model):
    employee_id = models.CharField(_("employee id"), max_length=50, unique=True)
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    email = models.EmailField(_("work e-mail"), max_length=254)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="staff", verbose_name=_("location")
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    hire_date = models.DateField(_("hire date"))
    is_active = models.BooleanField(_("active"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("login account"),
    )
    invited_at = models.DateTimeField(_("invitation sent"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Name and employee id without accents, case-folded (staff/folding.py), so that "Nunez"
    # finds "Núñez" on every database. Written with the name: here for single saves, and by
    # roster_apply for its bulk writes.
    search_text = models.CharField(max_length=1000, editable=False, blank=True, default="")

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="staff_email_unique_ignoring_case"),
        ]
        indexes = [models.Index(fields=["location", "is_active"])]

    def __str__(self):
        return f"{self.full_name} ({self.employee_id})"

    def save(self, *args, **kwargs):
        self.search_text = staff_search_text(
            first_name=self.first_name, last_name=self.last_name, employee_id=self.employee_id
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name", "employee_id"} & set(
            update_fields
        ):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class TrainingCycle(models.Model):
    """One school year of training: new hires are due a number of days after their hire date,
    everyone else by the refresher due date."""

    name = models.CharField(_("name"), max_length=20, unique=True, help_text="e.g. 2026-2027")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    refresher_due_on = models.DateField(_("refresher due on"))
    new_hire_due_days = models.PositiveSmallIntegerField(_("days a new hire has"), default=30)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("training cycle")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_on__lt=models.F("ends_on"))
                & models.Q(refresher_due_on__gte=models.F("starts_on"))
                & models.Q(refresher_due_on__lte=models.F("ends_on")),
                name="cycle_dates_in_order",
            ),
        ]

    def __str__(self):
        return self.name


class Assignment(models.Model):
    """A staff member's training in one cycle: onboarding for a new hire, else the refresher."""

    class Kind(models.TextChoices):
        ONBOARDING = "onboarding", _("Onboarding (new hire)")
        REFRESHER = "refresher", _("Annual refresher")

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="assignments")
    cycle = models.ForeignKey(TrainingCycle, on_delete=models.PROTECT, related_name="assignments")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    due_on = models.DateField(_("due on"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "staff"]
        verbose_name = _("assignment")
        constraints = [
            models.UniqueConstraint(fields=["staff", "cycle"], name="one_assignment_per_cycle"),
        ]
        indexes = [models.Index(fields=["cycle", "due_on"])]

    def __str__(self):
        return f"{self.staff} – {self.cycle}"


class AssignmentAdjustment(models.Model):
    """HR or a district administrator extended an assignment's due date or exempted the person
    from the cycle (long-term leave, say), with a reason. Append-only: a change of mind is a new
    row, so the history of who decided what, when and why stays whole. The latest row decides
    (staff.selectors.with_adjustment): an extension sets the due date (and ends an exemption),
    an exemption takes the assignment out of the cycle's figures and reminders."""

    class Kind(models.TextChoices):
        EXTENSION = "extension", _("Due date extended")
        EXEMPTION = "exemption", _("Exempt from this cycle")

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    due_on = models.DateField(_("new due date"), null=True, blank=True)
    reason = models.TextField(_("reason"), max_length=1000)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("made by"),
    )
    made_at = models.DateTimeField(_("made at"), default=timezone.now)

    class Meta:
        ordering = ["assignment", "pk"]
        verbose_name = _("due date extension or exemption")
        verbose_name_plural = _("due date extensions and exemptions")
        # The reports read each assignment's latest row (highest id) many thousand times a page:
        # this index answers it without a sort.
        indexes = [models.Index(fields=["assignment", "-id"], name="adjustment_latest_first")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="extension", due_on__isnull=False)
                | models.Q(kind="exemption", due_on__isnull=True),
                name="adjustment_extension_has_a_date_exemption_none",
            ),
            models.CheckConstraint(
                condition=models.lookups.GreaterThan(Length(Trim("reason")), 0),
                name="adjustment_has_a_reason",
            ),
        ]

    def __str__(self):
        return f"{self.assignment} – {self.get_kind_display()}"


class RosterImport(models.Model):
    """An HR roster file as uploaded, its preview and whether (and by whom) it was applied."""

    filename = models.CharField(max_length=255)
    content = models.TextField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    deactivate_missing = models.BooleanField(default=False)
    skip_invalid = models.BooleanField(default=False)
    applied_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("roster import")

    def __str__(self):
        return f"{self.filename} ({self.uploaded_at:%Y-%m-%d %H:%M})"
