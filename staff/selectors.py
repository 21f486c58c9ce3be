"""Read-side rules of the roster: an assignment's status is derived from dates and records,
never typed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Assignment, SignInCode, SignInCodeSheet, Staff, TrainingCycle

NOT_STARTED, IN_PROGRESS, COMPLETED, OVERDUE = "not_started", "in_progress", "completed", "overdue"
STATUS_LABELS = {
    NOT_STARTED: "Not started",
    IN_PROGRESS: "In progress",
    COMPLETED: "Completed",
    OVERDUE: "Overdue",
}


def with_activity(assignments: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Annotate `has_activity`: the learner read a slide or started a quiz inside the cycle."""
    from quizzes.models import Attempt
    from training.models import SectionProgress

    reading = SectionProgress.objects.filter(
        user_id=OuterRef("staff__user_id"), updated_at__date__gte=OuterRef("cycle__starts_on")
    )
    attempts = Attempt.objects.filter(
        user_id=OuterRef("staff__user_id"), started_at__date__gte=OuterRef("cycle__starts_on")
    )
    return assignments.annotate(has_activity=Exists(reading) | Exists(attempts))


def with_status(assignments: QuerySet[Assignment], *, today: date) -> QuerySet[Assignment]:
    """Annotate `status`: assignment_status below, as SQL, for reports over many staff."""
    return with_activity(assignments).annotate(
        status=Case(
            When(completed_at__isnull=False, then=Value(COMPLETED)),
            When(due_on__lt=today, then=Value(OVERDUE)),
            When(has_activity=True, then=Value(IN_PROGRESS)),
            default=Value(NOT_STARTED),
            output_field=CharField(),
        )
    )


def assignment_status(assignment: Assignment, *, today: date | None = None) -> str:
    """Completed once completed; otherwise overdue the day after the due date (not on it);
    otherwise in progress if the learner has begun within this cycle; otherwise not started.
    A completion in an earlier cycle belongs to that cycle's assignment and counts there only."""
    today = today or timezone.localdate()
    if assignment.completed_at is not None:
        return COMPLETED
    if today > assignment.due_on:
        return OVERDUE
    has_activity = getattr(assignment, "has_activity", None)
    if has_activity is None:
        has_activity = with_activity(Assignment.objects.filter(pk=assignment.pk)).get().has_activity
    return IN_PROGRESS if has_activity else NOT_STARTED


@dataclass(frozen=True)
class LearnerAssignment:
    assignment: Assignment
    status: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def learner_cycle_start(*, user) -> datetime | None:
    """When the learner's current training cycle began (local midnight), or None for someone
    with no assignment in a current cycle: only what they did since then counts this year."""
    if not user.is_authenticated:
        return None
    today = timezone.localdate()
    starts_on = (
        Assignment.objects.filter(
            staff__user=user, cycle__starts_on__lte=today, cycle__ends_on__gte=today
        )
        .values_list("cycle__starts_on", flat=True)
        .first()
    )
    if starts_on is None:
        return None
    return timezone.make_aware(datetime.combine(starts_on, time.min))


def staff_for_user(*, user) -> Staff | None:
    if not user.is_authenticated:
        return None
    return Staff.objects.select_related("location").filter(user=user).first()


def learner_assignments(
    *, user, today: date | None = None
) -> tuple[LearnerAssignment | None, list[Assignment]]:
    """(the current cycle's assignment with its status, completed assignments of other cycles)."""
    today = today or timezone.localdate()
    staff = staff_for_user(user=user)
    if staff is None:
        return None, []
    assignments = list(
        with_activity(staff.assignments.select_related("cycle")).order_by("-cycle__starts_on")
    )
    current = next((a for a in assignments if a.cycle.starts_on <= today <= a.cycle.ends_on), None)
    history = [a for a in assignments if a is not current and a.completed_at is not None]
    return (
        LearnerAssignment(current, assignment_status(current, today=today)) if current else None,
        history,
    )


def cycle_by_name(name: str) -> TrainingCycle | None:
    return TrainingCycle.objects.filter(name=name).first()


# --- staff members, login accounts and sign-in codes -----------------------------------------


def staff_by_employee_id(*, employee_id: str) -> Staff | None:
    """The staff member with this employee id as people type it: exactly, or else ignoring
    case when that names one person only (ids are unique as HR writes them)."""
    typed = (employee_id or "").strip()
    if not typed:
        return None
    exact = Staff.objects.select_related("user").filter(employee_id=typed).first()
    if exact is not None:
        return exact
    matches = list(Staff.objects.select_related("user").filter(employee_id__iexact=typed)[:2])
    return matches[0] if len(matches) == 1 else None


def login_username_for(*, identifier: str) -> str:
    """What the sign-in page should authenticate for "Work e-mail or employee id": an e-mail
    as typed; an employee id as its staff member's login username (for staff without e-mail
    that is the id itself, see services.login_username); anything else unchanged, so accounts
    that are not on the roster sign in with their own username."""
    typed = (identifier or "").strip()
    if "@" in typed:
        return typed
    staff = staff_by_employee_id(employee_id=typed)
    if staff is not None and staff.user is not None:
        return staff.user.get_username()
    return typed


def login_account(*, username: str):
    return get_user_model().objects.filter(username=username).first()


def staff_with_email(*, email: str, exclude_pk: int | None = None) -> Staff | None:
    """The staff member whose work e-mail this is, ignoring case (none for an empty e-mail:
    any number of staff have none)."""
    if not email:
        return None
    return Staff.objects.filter(email__iexact=email).exclude(pk=exclude_pk).first()


def staff_needing_sign_in_codes(
    *, location, everyone_without_password: bool = False
) -> QuerySet[Staff]:
    """A location's active staff who cannot sign in yet: no usable password. Only those without
    a work e-mail (no invitation can reach them), unless `everyone_without_password`; those
    without e-mail first, then by name."""
    people = Staff.objects.filter(location=location, is_active=True).filter(
        Q(user__isnull=True) | Q(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
    )
    if not everyone_without_password:
        people = people.filter(email="")
    return people.select_related("location", "user").order_by(
        Case(When(email="", then=Value(0)), default=Value(1)), "last_name", "first_name", "pk"
    )


def sign_in_sheets_recent(*, limit: int = 10) -> QuerySet[SignInCodeSheet]:
    return (
        SignInCodeSheet.objects.select_related("location", "printed_by")
        .annotate(code_count=Count("codes"))
        .order_by("-printed_at")[:limit]
    )


SIGN_IN_STATES = {
    "deactivated": _("Deactivated: cannot sign in"),
    "disabled": _("Login account disabled"),
    "password": _("Signs in with a password"),
    "no_account": _("No login account yet"),
    "needs_code": _("No work e-mail: needs a printed sign-in code"),
    "invited": _("Invited: has not set a password yet"),
    "not_invited": _("Not invited yet"),
}


def sign_in_state(staff: Staff) -> str:
    """How this staff member signs in, in HR's words (a key of SIGN_IN_STATES). Reads
    staff.user: select_related("user") when listing many."""
    user = staff.user
    if not staff.is_active:
        return "deactivated"
    if user is None:
        return "no_account"
    if user.has_usable_password():
        return "password" if user.is_active else "disabled"
    if not staff.email:
        return "needs_code"
    return "invited" if staff.invited_at else "not_invited"


def user_may_sign_in_as_staff(*, user) -> bool:
    """False for the login account of a deactivated staff member; True for everyone else
    (active staff, and accounts that are not on the roster)."""
    staff = staff_for_user(user=user)
    return staff is None or staff.is_active


def sign_in_code_open(*, code_id: int):
    """The sign-in code, with its staff member and login account, if it can still be used to
    set a password (not used, replaced, expired or tried too often; its owner active)."""
    return (
        SignInCode.objects.select_related("staff__user", "staff__location")
        .filter(
            pk=code_id,
            used_at__isnull=True,
            replaced_at__isnull=True,
            expires_at__gt=timezone.now(),
            failed_attempts__lt=settings.SIGN_IN_CODE_MAX_FAILURES,
            staff__is_active=True,
            staff__user__isnull=False,
        )
        .first()
    )
