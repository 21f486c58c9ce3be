"""Write-side rules of the roster: applying an import, login accounts and invitations,
training cycles and assignments."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.formats import date_format
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from jobs.models import OutgoingEmail
from jobs.services import email_queue

from .folding import staff_search_text
from .models import Assignment, AssignmentAdjustment, Location, Staff, TrainingCycle
from .roster import RosterPlan, RosterRow
from .selectors import assignment_adjustment_attach

BATCH_SIZE = 1000


class RosterInvalid(Exception):
    """The roster has rejected rows and --skip-invalid was not given: nothing was written."""

    def __init__(self, plan: RosterPlan):
        self.plan = plan
        super().__init__(f"{len(plan.rejected)} row(s) rejected; nothing was imported")


@transaction.atomic
def roster_apply(*, plan: RosterPlan, skip_invalid: bool = False) -> dict:
    """Write a roster plan in one transaction, in batches (a constant number of queries per
    batch, never one per row). New staff get an inactive login account (username = work
    e-mail) until they accept their invitation, and an assignment in the current cycle.

    Raises RosterInvalid, writing nothing, when rows were rejected and skip_invalid is False.
    """
    if plan.rejected and not skip_invalid:
        raise RosterInvalid(plan)
    rows = plan.new + [row for row, _, _ in plan.updated]
    locations = _locations_ensure({row.location for row in rows})

    User = get_user_model()
    new_users = [
        User(
            username=row.email,
            email=row.email,
            first_name=row.first_name[:150],
            last_name=row.last_name[:150],
            is_active=False,
        )
        for row in plan.new
    ]
    for user in new_users:
        user.set_unusable_password()
    User.objects.bulk_create(new_users, batch_size=BATCH_SIZE)
    users = {u.username: u for u in User.objects.filter(username__in=[r.email for r in plan.new])}

    new_staff = [
        Staff(**_staff_fields(row, locations), user=users.get(row.email)) for row in plan.new
    ]
    Staff.objects.bulk_create(new_staff, batch_size=BATCH_SIZE)

    changed_staff = []
    renamed_users = []
    for row, staff, _changed in plan.updated:
        for name, value in _staff_fields(row, locations).items():
            setattr(staff, name, value)
        changed_staff.append(staff)
        if staff.user_id:
            renamed_users.append((staff.user_id, row))
    Staff.objects.bulk_update(
        changed_staff,
        [
            "first_name",
            "last_name",
            "email",
            "location",
            "job_title",
            "hire_date",
            "is_active",
            "search_text",
        ],
        batch_size=BATCH_SIZE,
    )
    _users_follow_roster(renamed_users)

    for staff in plan.deactivated:
        staff.is_active = False
    Staff.objects.bulk_update(plan.deactivated, ["is_active"], batch_size=BATCH_SIZE)

    cycle = cycle_current()
    if cycle is not None:
        assignments_ensure(cycle=cycle)
    return plan.summary()


def _staff_fields(row: RosterRow, locations: dict[str, Location]) -> dict:
    return {
        "employee_id": row.employee_id,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email": row.email,
        "location": locations[row.location],
        "job_title": row.job_title,
        "hire_date": row.hire_date,
        "is_active": row.active,
        # bulk_create and bulk_update skip Staff.save, which keeps this column in step.
        "search_text": staff_search_text(
            first_name=row.first_name, last_name=row.last_name, employee_id=row.employee_id
        ),
    }


def _locations_ensure(names: set[str]) -> dict[str, Location]:
    existing = {loc.name: loc for loc in Location.objects.filter(name__in=names)}
    Location.objects.bulk_create([Location(name=n) for n in sorted(names - set(existing))])
    return {loc.name: loc for loc in Location.objects.filter(name__in=names)}


def _users_follow_roster(changes: list[tuple[int, RosterRow]]) -> None:
    """A changed e-mail or name in HR's roster changes the login account too."""
    if not changes:
        return
    User = get_user_model()
    users = User.objects.in_bulk([user_id for user_id, _ in changes])
    for user_id, row in changes:
        user = users[user_id]
        user.username = user.email = row.email
        user.first_name, user.last_name = row.first_name[:150], row.last_name[:150]
    User.objects.bulk_update(
        list(users.values()), ["username", "email", "first_name", "last_name"], batch_size=1000
    )


# --- invitations -----------------------------------------------------------------------------


def invitation_url(*, user, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url.rstrip("/") + reverse("invitation", args=[uid, token])


def invitations_send(
    *, staff: list[Staff], base_url: str | None = None, resend: bool = False
) -> int:
    """Queue an e-mail to each active staff member who has not set a password, with a link to
    set one. Returns how many were queued. Uses Django's password-reset tokens: a link stops
    working once used."""
    base_url = base_url or settings.WAGTAILADMIN_BASE_URL
    queued = 0
    now = timezone.now()
    for member in staff:
        user = member.user
        if user is None or user.has_usable_password() or not member.is_active:
            continue
        if member.invited_at and not resend:
            continue
        context = {
            "staff": member,
            "url": invitation_url(user=user, base_url=base_url),
            "district": settings.DISTRICT_NAME,
        }
        with transaction.atomic():
            email_queue(
                kind=OutgoingEmail.Kind.INVITATION,
                to=member.email,
                subject=f"{settings.DISTRICT_NAME}: set your password for your training",
                body=render_to_string("staff/email/invitation.txt", context),
            )
            Staff.objects.filter(pk=member.pk).update(invited_at=now)
        queued += 1
    return queued


# --- cycles and assignments ------------------------------------------------------------------


def cycle_dates_for_year(year: int) -> dict:
    """The default cycle starting in `year`: July 1 to June 30, refresher due October 1."""
    start_month, start_day = settings.TRAINING_CYCLE_START
    due_month, due_day = settings.TRAINING_REFRESHER_DUE
    starts_on = date(year, start_month, start_day)
    refresher = date(year, due_month, due_day)
    if refresher < starts_on:
        refresher = date(year + 1, due_month, due_day)
    return {
        "name": f"{year}-{year + 1}",
        "starts_on": starts_on,
        "ends_on": date(year + 1, start_month, start_day) - timedelta(days=1),
        "refresher_due_on": refresher,
        "new_hire_due_days": settings.TRAINING_NEW_HIRE_DUE_DAYS,
    }


def cycle_current(*, today: date | None = None) -> TrainingCycle | None:
    today = today or timezone.localdate()
    return (
        TrainingCycle.objects.filter(starts_on__lte=today, ends_on__gte=today)
        .order_by("-starts_on")
        .first()
    )


@transaction.atomic
def cycle_open(*, year: int, **overrides) -> tuple[TrainingCycle, int]:
    """Create the cycle that starts in `year` (if missing) and assign every active staff member.
    Earlier cycles and their records are untouched. Returns the cycle and how many assignments
    were created."""
    fields = cycle_dates_for_year(year) | overrides
    cycle, _ = TrainingCycle.objects.get_or_create(name=fields.pop("name"), defaults=fields)
    return cycle, assignments_ensure(cycle=cycle)


def assignment_due_on(*, cycle: TrainingCycle, hire_date: date) -> tuple[str, date]:
    """(kind, due date): a new hire (hired inside the cycle) has new_hire_due_days from the hire
    date; everyone else is due by the refresher date."""
    if cycle.starts_on <= hire_date <= cycle.ends_on:
        return Assignment.Kind.ONBOARDING, hire_date + timedelta(days=cycle.new_hire_due_days)
    return Assignment.Kind.REFRESHER, cycle.refresher_due_on


def assignments_ensure(*, cycle: TrainingCycle) -> int:
    """Give every active staff member without one an assignment in `cycle`."""
    missing = Staff.objects.filter(is_active=True).exclude(assignments__cycle=cycle)
    assignments = []
    for staff in missing.only("pk", "hire_date"):
        kind, due_on = assignment_due_on(cycle=cycle, hire_date=staff.hire_date)
        assignments.append(Assignment(staff=staff, cycle=cycle, kind=kind, due_on=due_on))
    Assignment.objects.bulk_create(assignments, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return len(assignments)


# --- extensions and exemptions -----------------------------------------------------------------

ADJUSTMENT_NO_REASON = _("Give a reason: it is kept with the record.")
ADJUSTMENT_REASON_TOO_LONG = _("Keep the reason under %(limit)d characters.")
ADJUSTMENT_COMPLETED = _(
    "%(name)s completed this training on %(date)s: there is nothing to extend or exempt."
)
ADJUSTMENT_NOT_LATER = _("The new due date must be after the current one, %(date)s.")
ADJUSTMENT_IN_THE_PAST = _("The new due date cannot be in the past (today is %(date)s).")
ADJUSTMENT_AFTER_CYCLE = _(
    "The new due date must fall within the cycle %(cycle)s, which ends on %(date)s."
)
ADJUSTMENT_ALREADY_EXEMPT = _("%(name)s is already exempt from %(cycle)s.")
REASON_LIMIT = 1000


class AdjustmentRefused(Exception):
    """An extension or exemption that may not be recorded; nothing was written. `code` names
    the rule (no_reason, reason_too_long, completed, not_later, in_the_past, after_cycle,
    already_exempt) and `message` says it to a person."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


def _assignment_for_adjustment(assignment_id: int, reason: str) -> tuple[Assignment, str]:
    # The row is locked so that two administrators deciding at once are ordered, and each
    # checks against the other's decision (PostgreSQL; SQLite writes one at a time anyway).
    reason = reason.strip()
    if not reason:
        raise AdjustmentRefused("no_reason", str(ADJUSTMENT_NO_REASON))
    if len(reason) > REASON_LIMIT:
        raise AdjustmentRefused(
            "reason_too_long", str(ADJUSTMENT_REASON_TOO_LONG) % {"limit": REASON_LIMIT}
        )
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("staff", "cycle")
        .get(pk=assignment_id)
    )
    if assignment.completed_at is not None:
        raise AdjustmentRefused(
            "completed",
            str(ADJUSTMENT_COMPLETED)
            % {
                "name": assignment.staff.full_name,
                "date": date_format(timezone.localdate(assignment.completed_at), "M j, Y"),
            },
        )
    return assignment_adjustment_attach(assignment), reason


@transaction.atomic
def assignment_extend(
    *, assignment_id: int, due_on: date, reason: str, by, today: date | None = None
) -> AssignmentAdjustment:
    """Extend an assignment's due date to `due_on`, with a reason; an exemption, if any, ends.
    The new date must be later than the current effective one, not in the past, and within
    the cycle. Raises AdjustmentRefused (see its codes)."""
    today = today or timezone.localdate()
    assignment, reason = _assignment_for_adjustment(assignment_id, reason)
    if due_on <= assignment.effective_due_on:
        raise AdjustmentRefused(
            "not_later",
            str(ADJUSTMENT_NOT_LATER)
            % {"date": date_format(assignment.effective_due_on, "M j, Y")},
        )
    if due_on < today:
        raise AdjustmentRefused(
            "in_the_past", str(ADJUSTMENT_IN_THE_PAST) % {"date": date_format(today, "M j, Y")}
        )
    if due_on > assignment.cycle.ends_on:
        raise AdjustmentRefused(
            "after_cycle",
            str(ADJUSTMENT_AFTER_CYCLE)
            % {
                "cycle": assignment.cycle.name,
                "date": date_format(assignment.cycle.ends_on, "M j, Y"),
            },
        )
    adjustment = AssignmentAdjustment(
        assignment=assignment,
        kind=AssignmentAdjustment.Kind.EXTENSION,
        due_on=due_on,
        reason=reason,
        made_by=by,
    )
    adjustment.full_clean()
    adjustment.save()
    return adjustment


@transaction.atomic
def assignment_exempt(*, assignment_id: int, reason: str, by) -> AssignmentAdjustment:
    """Exempt the person from the assignment's cycle (long-term leave, say), with a reason: they
    are counted apart in the figures and get no reminders. An extension later ends it. Raises
    AdjustmentRefused (see its codes)."""
    assignment, reason = _assignment_for_adjustment(assignment_id, reason)
    if assignment.adjustment_kind == AssignmentAdjustment.Kind.EXEMPTION:
        raise AdjustmentRefused(
            "already_exempt",
            str(ADJUSTMENT_ALREADY_EXEMPT)
            % {"name": assignment.staff.full_name, "cycle": assignment.cycle.name},
        )
    adjustment = AssignmentAdjustment(
        assignment=assignment,
        kind=AssignmentAdjustment.Kind.EXEMPTION,
        reason=reason,
        made_by=by,
    )
    adjustment.full_clean()
    adjustment.save()
    return adjustment
