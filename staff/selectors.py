"""Read-side rules of the roster: an assignment's status is derived from dates and records,
never typed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Case, CharField, Exists, OuterRef, QuerySet, Value, When
from django.utils import timezone

from .models import Assignment, Staff, TrainingCycle

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
