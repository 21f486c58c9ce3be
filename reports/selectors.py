"""Completion figures for administrators, always within what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from eupsite.parsing import number_from_request
from staff.models import Assignment, Location, TrainingCycle
from staff.selectors import COMPLETED, IN_PROGRESS, NOT_STARTED, OVERDUE, with_status

STATUSES = [NOT_STARTED, IN_PROGRESS, COMPLETED, OVERDUE]


def can_see_reports(user) -> bool:
    return user.is_active and user.has_perm("reports.view_completion_reports")


def visible_locations(*, user) -> QuerySet[Location]:
    """Every location for a district administrator; a location administrator's own locations;
    none for anybody else."""
    if not can_see_reports(user):
        return Location.objects.none()
    if user.has_perm("reports.view_all_locations"):
        return Location.objects.all()
    return Location.objects.filter(administrators__user=user)


def report_assignments(*, user, cycle: TrainingCycle, today: date | None = None) -> QuerySet:
    """The cycle's assignments of active staff the user may see, each annotated with its
    derived `status`."""
    today = today or timezone.localdate()
    assignments = Assignment.objects.filter(
        cycle=cycle,
        staff__is_active=True,
        staff__location__in=visible_locations(user=user),
    )
    return with_status(assignments, today=today)


@dataclass(frozen=True)
class Rate:
    label: str
    assigned: int
    completed: int
    not_started: int = 0
    in_progress: int = 0
    overdue: int = 0

    @property
    def percent(self) -> float:
        return round(100 * self.completed / self.assigned, 1) if self.assigned else 0.0


def _rates(assignments: QuerySet, group_by: str | None) -> list[Rate]:
    counts = {
        "assigned": Count("pk"),
        "completed": Count("pk", filter=Q(status=COMPLETED)),
        "not_started": Count("pk", filter=Q(status=NOT_STARTED)),
        "in_progress": Count("pk", filter=Q(status=IN_PROGRESS)),
        "overdue": Count("pk", filter=Q(status=OVERDUE)),
    }
    if group_by is None:
        row = assignments.aggregate(**counts)
        return [Rate(label="All", **row)]
    rows = (
        assignments.annotate(group=F(group_by)).values("group").annotate(**counts).order_by("group")
    )
    return [Rate(label=row.pop("group") or "—", **row) for row in rows]


@dataclass(frozen=True)
class Dashboard:
    cycle: TrainingCycle
    overall: Rate
    by_location: list[Rate]
    by_job_title: list[Rate]


def dashboard(*, user, cycle: TrainingCycle, today: date | None = None) -> Dashboard:
    """Completion for a cycle: overall, per location and per job title. Three queries,
    whatever the number of staff."""
    assignments = report_assignments(user=user, cycle=cycle, today=today)
    return Dashboard(
        cycle=cycle,
        overall=_rates(assignments, None)[0],
        by_location=_rates(assignments, "staff__location__name"),
        by_job_title=_rates(assignments, "staff__job_title"),
    )


def cycle_for_request(value: str | None) -> TrainingCycle | None:
    """The cycle named in a request, else the current one, else the latest."""
    from staff.services import cycle_current

    if value:
        pk = number_from_request(value)
        found = TrainingCycle.objects.filter(pk=pk).first() if pk is not None else None
        if found:
            return found
    return cycle_current() or TrainingCycle.objects.order_by("-starts_on").first()
