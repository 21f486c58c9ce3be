"""Read-side rules of the roster: an assignment's status is derived from dates and records,
never typed in. Extensions and exemptions (AssignmentAdjustment) take part in it: the latest one
decides the effective due date, or that the person is exempt from the cycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Assignment, AssignmentAdjustment, Staff, TrainingCycle

NOT_STARTED, IN_PROGRESS, COMPLETED, OVERDUE = "not_started", "in_progress", "completed", "overdue"
EXEMPT = "exempt"
STATUS_LABELS = {
    NOT_STARTED: _("Not started"),
    IN_PROGRESS: _("In progress"),
    COMPLETED: _("Completed"),
    OVERDUE: _("Overdue"),
    EXEMPT: _("Exempt"),
}
EXTENSION = AssignmentAdjustment.Kind.EXTENSION.value
EXEMPTION = AssignmentAdjustment.Kind.EXEMPTION.value
# The fields of the latest adjustment that with_adjustment copies onto each assignment.
ADJUSTMENT_FIELDS = {
    "kind": "adjustment_kind",
    "due_on": "adjustment_due_on",
    "reason": "adjustment_reason",
}


def with_adjustment(assignments: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Annotate the latest extension or exemption (`adjustment_kind`, `adjustment_due_on`,
    `adjustment_reason`, all None without one) and `effective_due_on`: the latest extension's
    date, else the assigned one. Subqueries, so a report over many staff stays one query."""
    latest = AssignmentAdjustment.objects.filter(assignment=OuterRef("pk")).order_by("-pk")
    return assignments.annotate(
        **{
            annotation: Subquery(latest.values(field)[:1])
            for field, annotation in ADJUSTMENT_FIELDS.items()
        }
    ).annotate(effective_due_on=Coalesce(F("adjustment_due_on"), F("due_on")))


def assignment_adjustment_attach(assignment: Assignment) -> Assignment:
    """Give an assignment loaded without with_adjustment the same attributes, in one query."""
    if not hasattr(assignment, "effective_due_on"):
        latest = AssignmentAdjustment.objects.filter(assignment=assignment).order_by("-pk").first()
        for field, annotation in ADJUSTMENT_FIELDS.items():
            setattr(assignment, annotation, getattr(latest, field) if latest else None)
        assignment.effective_due_on = (latest and latest.due_on) or assignment.due_on
    return assignment


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
    """Annotate `status`: assignment_status below, as SQL, for reports over many staff (with
    with_adjustment's annotations too)."""
    return with_activity(with_adjustment(assignments)).annotate(
        status=Case(
            When(completed_at__isnull=False, then=Value(COMPLETED)),
            When(Q(adjustment_kind=EXEMPTION), then=Value(EXEMPT)),
            When(effective_due_on__lt=today, then=Value(OVERDUE)),
            When(has_activity=True, then=Value(IN_PROGRESS)),
            default=Value(NOT_STARTED),
            output_field=CharField(),
        )
    )


def assignment_status(assignment: Assignment, *, today: date | None = None) -> str:
    """Completed once completed (even by someone exempted meanwhile); otherwise exempt when the
    latest adjustment is an exemption; otherwise overdue the day after the effective due date
    (not on it); otherwise in progress if the learner has begun within this cycle; otherwise
    not started. A completion in an earlier cycle belongs to that cycle's assignment and counts
    there only."""
    today = today or timezone.localdate()
    if assignment.completed_at is not None:
        return COMPLETED
    assignment_adjustment_attach(assignment)
    if assignment.adjustment_kind == EXEMPTION:
        return EXEMPT
    if today > assignment.effective_due_on:
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

    @property
    def due_on(self) -> date:
        """The date the learner must finish by: the latest extension's, else the assigned one."""
        return assignment_adjustment_attach(self.assignment).effective_due_on


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
        with_activity(with_adjustment(staff.assignments.select_related("cycle"))).order_by(
            "-cycle__starts_on"
        )
    )
    current = next((a for a in assignments if a.cycle.starts_on <= today <= a.cycle.ends_on), None)
    history = [a for a in assignments if a is not current and a.completed_at is not None]
    return (
        LearnerAssignment(current, assignment_status(current, today=today)) if current else None,
        history,
    )


def cycle_by_name(name: str) -> TrainingCycle | None:
    return TrainingCycle.objects.filter(name=name).first()
