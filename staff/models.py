"""The HR roster (Staff at Locations), the school-year training cycles, and each staff
member's assignment in a cycle. An assignment's status is derived (see selectors), never
stored."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models.functions import Length, Lower, Trim
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from eupsite.district_time import datetime_text, short_date_format

from .folding import staff_search_text


class Location(models.Model):
    """A school or department: what reports group by and location administrators manage."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")

    def __str__(self):
        return self.name


def full_name(*, first_name: str, last_name: str) -> str:
    """A staff member's name as the product shows and records it, exactly as HR spelled it."""
    return f"{first_name} {last_name}"


class Staff(models.Model):
    employee_id = models.CharField(_("employee id"), max_length=50, unique=True)
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    # Custodial, food-service and transportation staff often have no work e-mail: they are on
    # the roster all the same, and sign in with their employee id and a printed sign-in code.
    email = models.EmailField(
        _("work e-mail"),
        max_length=254,
        blank=True,
        help_text=_(
            "Leave empty for staff without a work e-mail: they sign in with their employee id "
            "and a sign-in code printed by HR."
        ),
    )
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
    # OneRoster's dateLastModified of this person's records at the import that last changed
    # them: a later bundle whose records are not newer changes nothing (an edit made here
    # since stays). Empty for staff from HR's CSV or added by hand.
    source_modified_at = models.DateTimeField(
        _("changed in the student information system"), null=True, blank=True, editable=False
    )
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
            # Unique ignoring case among those who have one; any number of staff have none.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="staff_email_unique_ignoring_case",
                violation_error_message=_("Another staff member has this work e-mail."),
            ),
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
        return full_name(first_name=self.first_name, last_name=self.last_name)


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
    """A staff member's training in one course in one cycle: onboarding for a new hire, else
    the refresher. The learner's reading, attempts, acknowledgements and certificates point
    here, so what belongs to a cycle is this foreign key, never a date rule.

    The course is referred to by name ("training.CoursePage") and read by id only: staff code
    never imports the training app, which sits above it."""

    class Kind(models.TextChoices):
        ONBOARDING = "onboarding", _("Onboarding (new hire)")
        REFRESHER = "refresher", _("Annual refresher")

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="assignments")
    cycle = models.ForeignKey(TrainingCycle, on_delete=models.PROTECT, related_name="assignments")
    course = models.ForeignKey(
        "training.CoursePage",
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("course"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    due_on = models.DateField(_("due on"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # Set when a material change of the policies is published after this person signed: they
    # acknowledge the new version (their first completion stays recorded in completed_at).
    reacknowledge_from = models.DateTimeField(
        _("re-acknowledgement asked for"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "staff"]
        verbose_name = _("assignment")
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "cycle", "course"], name="one_assignment_per_course_and_cycle"
            ),
        ]
        indexes = [models.Index(fields=["cycle", "due_on"])]

    def __str__(self):
        return f"{self.staff} – {self.cycle}"


class AssignmentRule(models.Model):
    """Who is assigned a course: every active staff member whose job title and location match
    (an empty job title or location matches everyone). A course is assigned to those that at
    least one of its rules matches, and to no one when it has none. Rules are evaluated when
    the roster is imported, when a cycle is opened and when a rule changes (each with a
    preview); they never take an assignment away, since its records stay."""

    course = models.ForeignKey(
        "training.CoursePage",
        on_delete=models.PROTECT,
        related_name="assignment_rules",
        verbose_name=_("course"),
    )
    job_title = models.CharField(
        _("job title"),
        max_length=200,
        blank=True,
        help_text=_("Exactly as on the roster, e.g. Teacher. Leave empty for every job title."),
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
        help_text=_("Leave empty for every location."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course", "job_title", "location"]
        verbose_name = _("assignment rule")
        constraints = [
            models.UniqueConstraint(
                "course",
                Lower("job_title"),
                "location",
                condition=models.Q(location__isnull=False),
                name="assignment_rule_once",
            ),
            models.UniqueConstraint(
                "course",
                Lower("job_title"),
                condition=models.Q(location__isnull=True),
                name="assignment_rule_everywhere_once",
            ),
        ]

    def __str__(self):
        who = self.job_title or _("every job title")
        where = self.location.name if self.location_id else _("every location")
        return f"{self.course}: {who}, {where}"

    def matches(self, *, job_title: str, location_id: int | None) -> bool:
        return (not self.job_title or self.job_title.casefold() == job_title.casefold()) and (
            self.location_id is None or self.location_id == location_id
        )


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
    # HR's CSV as text; or, for a OneRoster 1.2 zip, the zip itself in `bundle` (content
    # empty).
    content = models.TextField(blank=True)
    bundle = models.BinaryField(blank=True, default=b"")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    deactivate_missing = models.BooleanField(default=False)
    skip_invalid = models.BooleanField(default=False)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applied by"),
    )
    # Counts of what applying did, the new locations and the rows left out; the people are
    # in RosterChange rows.
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("roster import")

    def __str__(self):
        return f"{self.filename} ({datetime_text(self.uploaded_at)})"

    @property
    def data(self) -> bytes:
        """The file as uploaded, whichever kind, for planning it again."""
        return bytes(self.bundle) if self.bundle else self.content.encode("utf-8")


class SignInCodeSheet(models.Model):
    """A sheet of one-time sign-in codes HR printed for a location's staff who have no password
    (mostly staff without a work e-mail, whom no invitation can reach): who printed it, when."""

    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="sign_in_sheets",
        verbose_name=_("location"),
    )
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("printed by"),
    )
    printed_at = models.DateTimeField(_("printed"), auto_now_add=True)
    everyone_without_password = models.BooleanField(
        _("everyone without a password"),
        default=False,
        help_text=_("False: only staff without a work e-mail were on the sheet."),
    )

    class Meta:
        ordering = ["-printed_at"]
        verbose_name = _("sign-in code sheet")

    def __str__(self):
        return f"{self.location} ({datetime_text(self.printed_at)})"


class SignInCode(models.Model):
    """A one-time code that lets a staff member without a password sign in once with their
    employee id, to choose one. Only an HMAC of the code is stored (see staff.sign_in_codes):
    whoever reads the database cannot print the sheet again. A new sheet replaces a person's
    earlier code; a code is used once, expires, and dies after too many wrong tries."""

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="sign_in_codes")
    sheet = models.ForeignKey(SignInCodeSheet, on_delete=models.PROTECT, related_name="codes")
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    replaced_at = models.DateTimeField(_("replaced by a newer code"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-sheet__printed_at"]
        verbose_name = _("sign-in code")
        constraints = [
            models.UniqueConstraint(
                fields=["staff"],
                condition=models.Q(used_at__isnull=True, replaced_at__isnull=True),
                name="one_open_sign_in_code_per_staff",
            ),
        ]

    def __str__(self):
        return f"{self.staff} – {self.sheet}"


class RosterChange(models.Model):
    """What applying a roster import did to one staff member, written in the same transaction
    as the import. The result page reads these rows, never a fresh plan of the file: after the
    import the database already matches the file, so re-planning would show "unchanged"."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        DEACTIVATED = "deactivated", _("Marked inactive")

    roster_import = models.ForeignKey(
        RosterImport, on_delete=models.CASCADE, related_name="changes", verbose_name=_("import")
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="roster_changes", verbose_name=_("staff")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # As they were at the import: later edits to the staff member do not rewrite its history.
    employee_id = models.CharField(_("employee id"), max_length=50)
    full_name = models.CharField(_("name"), max_length=301)
    location_name = models.CharField(_("location"), max_length=200)
    # For an update, each changed column: [{"field": "job_title", "old": "…", "new": "…"}].
    changes = models.JSONField(_("changes"), default=list, blank=True)

    class Meta:
        ordering = ["roster_import", "action", "pk"]
        verbose_name = _("roster change")
        constraints = [
            models.UniqueConstraint(
                fields=["roster_import", "staff"], name="one_change_per_staff_per_import"
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.full_name} ({self.employee_id})"

    # The roster's columns as HR reads them.
    FIELD_LABELS = {
        "first_name": _("first name"),
        "last_name": _("last name"),
        "email": _("work e-mail"),
        "location": _("location"),
        "job_title": _("job title"),
        "hire_date": _("hire date"),
        "active": _("active"),
    }

    @property
    def described_changes(self) -> list[tuple[str, str, str]]:
        """(column, old, new) for each changed column, as a person reads them."""
        return [
            (
                str(self.FIELD_LABELS.get(c["field"], c["field"])),
                _shown(c["field"], c["old"]),
                _shown(c["field"], c["new"]),
            )
            for c in self.changes
        ]


def _shown(field: str, value) -> str:
    """A recorded value as text: dates as dates ("Aug 15, 2024"), yes/no, a dash for blank."""
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if value in ("", None):
        return "–"
    if field == "hire_date":
        return formats.date_format(date.fromisoformat(value), short_date_format())
    return str(value)


class LocationAccess(models.Model):
    """A location administrator (principal, department head) sees the staff of the locations
    listed here. District administrators (permission reports.view_all_locations) see all."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="location_access"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="administrators")

    class Meta:
        verbose_name = _("location administrator")
        verbose_name_plural = _("location administrators")
        constraints = [
            models.UniqueConstraint(fields=["user", "location"], name="location_access_once")
        ]

    def __str__(self):
        return f"{self.user} – {self.location}"
