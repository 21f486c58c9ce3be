"""Completion figures for administrators, always within what the user may see, and the rule
that decides whether one person gets a reminder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eupsite.parsing import number_from_request
from staff.folding import search_fold
from staff.models import Assignment, Location, Staff, TrainingCycle
from staff.selectors import (
    COMPLETED,
    EXEMPT,
    EXEMPTION,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    REACKNOWLEDGE,
    with_status,
)
from staff.services import cycle_current

from .models import ReminderLog

STATUSES = [NOT_STARTED, IN_PROGRESS, COMPLETED, REACKNOWLEDGE, OVERDUE, EXEMPT]
# The job-title filter's value for staff without a job title (the dashboard's "—" row).
NO_JOB_TITLE = "-"


def can_see_reports(user) -> bool:
    return user.is_active and user.has_perm("reports.view_completion_reports")


def can_adjust_assignments(user) -> bool:
    """May extend due dates and grant exemptions (HR, district administrators). In this product
    staff.change_assignment means exactly that: assignments change in no other way."""
    return can_see_reports(user) and user.has_perm("staff.change_assignment")


def visible_locations(*, user) -> QuerySet[Location]:
    """Every location for a district administrator; a location administrator's own locations;
    none for anybody else."""
    if not can_see_reports(user):
        return Location.objects.none()
    if user.has_perm("reports.view_all_locations"):
        return Location.objects.all()
    return Location.objects.filter(administrators__user=user)


def visible_assignments(*, user, cycle: TrainingCycle, course=None) -> QuerySet[Assignment]:
    """The cycle's assignments (of one course when `course` is given) at the user's
    locations, inactive staff included."""
    assignments = Assignment.objects.filter(
        cycle=cycle, staff__location__in=visible_locations(user=user)
    )
    return assignments.filter(course=course) if course is not None else assignments


def report_assignments(
    *, user, cycle: TrainingCycle, today: date | None = None, course=None
) -> QuerySet:
    """The cycle's assignments (of one course when `course` is given) of active staff the user
    may see, each annotated with its derived `status`, `effective_due_on` and latest extension
    or exemption."""
    today = today or timezone.localdate()
    return with_status(
        visible_assignments(user=user, cycle=cycle, course=course).filter(staff__is_active=True),
        today=today,
    )


def job_titles(*, user, cycle: TrainingCycle) -> list[str]:
    """The job titles of the active staff in the user's report for the cycle, sorted (one
    query): the job-title filter offers nothing that would show an empty report."""
    return list(
        visible_assignments(user=user, cycle=cycle)
        .filter(staff__is_active=True)
        .order_by("staff__job_title")
        .values_list("staff__job_title", flat=True)
        .distinct()
    )


def search_assignments(assignments: QuerySet, *, words: str) -> QuerySet:
    """Assignments whose staff's name or employee id contains every word, ignoring case and
    accents ("nunez" finds "Núñez")."""
    for word in search_fold(words).split():
        assignments = assignments.filter(staff__search_text__contains=word)
    return assignments


@dataclass(frozen=True)
class Rate:
    """Completion of a group. Exempt staff are counted apart and left out of the rate."""

    label: str
    assigned: int
    completed: int
    not_started: int = 0
    in_progress: int = 0
    overdue: int = 0
    exempt: int = 0
    reacknowledge: int = 0
    # What the staff report filters on to show this group: a location's id, a job title.
    key: str | int | None = None

    @property
    def expected(self) -> int:
        """Assigned and not exempt: the rate's denominator."""
        return self.assigned - self.exempt

    @property
    def percent(self) -> float:
        return round(100 * self.completed / self.expected, 1) if self.expected else 0.0


@dataclass(frozen=True)
class Dashboard:
    cycle: TrainingCycle
    course: object  # the CoursePage the figures are for
    overall: Rate
    by_location: list[Rate]
    by_job_title: list[Rate]


def _rates(counts: dict, labels: dict) -> list[Rate]:
    """Rates from {group key: {status: count}}, ordered by label."""
    rates = [
        Rate(
            label=labels[key],
            key=key,
            assigned=sum(by_status.values()),
            **{status: by_status.get(status, 0) for status in STATUSES},
        )
        for key, by_status in counts.items()
    ]
    return sorted(rates, key=lambda rate: (rate.label, str(rate.key)))


def dashboard(*, user, cycle: TrainingCycle, course=None, today: date | None = None) -> Dashboard:
    """Completion of one course (the district's first when None) in a cycle: overall, per
    location and per job title (each course apart: a rate over two courses would count a
    person twice). One query, whatever
    the number of staff: the database works out each assignment's status once, counts them by
    location, job title and status, and the figures are summed here. (Counting each status in
    its own FILTER clause would work the status out once per clause.)"""
    if course is None:
        from training.selectors import primary_course

        course = primary_course()
    rows = (
        report_assignments(user=user, cycle=cycle, today=today, course=course)
        .values("staff__location_id", "staff__location__name", "staff__job_title", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    overall: dict = {None: {}}
    by_location: dict = {}
    by_job_title: dict = {}
    location_names: dict = {}
    for row in rows:
        status, n = row["status"], row["n"]
        location, title = row["staff__location_id"], row["staff__job_title"] or NO_JOB_TITLE
        location_names[location] = row["staff__location__name"]
        for counts, key in ((overall, None), (by_location, location), (by_job_title, title)):
            group = counts.setdefault(key, {})
            group[status] = group.get(status, 0) + n
    titles = {title: "—" if title == NO_JOB_TITLE else title for title in by_job_title}
    return Dashboard(
        cycle=cycle,
        course=course,
        overall=_rates(overall, {None: "All"})[0],
        by_location=_rates(by_location, location_names),
        by_job_title=_rates(by_job_title, titles),
    )


def cycle_for_request(value: str | None) -> TrainingCycle | None:
    """The cycle named in a request, else the current one, else the latest."""
    if value:
        pk = number_from_request(value)
        found = TrainingCycle.objects.filter(pk=pk).first() if pk is not None else None
        if found:
            return found
    return cycle_current() or TrainingCycle.objects.order_by("-starts_on").first()


# --- reminders ---------------------------------------------------------------------------------

# Why somebody chosen for a reminder does not get one, in the order the rule checks.
SKIP_COMPLETED = "completed"
SKIP_EXEMPT = "exempt"
SKIP_INACTIVE = "inactive"
SKIP_OTHER_CYCLE = "other_cycle"
SKIP_NO_EMAIL = "no_email"
SKIP_NO_ACCOUNT = "no_account"
SKIP_RECENT = "recent"
SKIP_LABELS = {
    SKIP_COMPLETED: _("Completed"),
    SKIP_EXEMPT: _("Exempt from this cycle"),
    SKIP_INACTIVE: _("Inactive on the roster"),
    SKIP_OTHER_CYCLE: _("Not in the current training cycle"),
    SKIP_NO_EMAIL: _("No e-mail address on the roster"),
    SKIP_NO_ACCOUNT: _("Has not set a password yet: send an invitation instead"),
    SKIP_RECENT: _("Reminded within the last %(days)d days"),
}


def skip_label(reason: str, *, every_days: int | None = None) -> str:
    every_days = every_days or settings.REMINDER_INTERVAL_DAYS
    return (
        str(SKIP_LABELS[reason]) % {"days": every_days}
        if reason == SKIP_RECENT
        else str(SKIP_LABELS[reason])
    )


def with_reminder_facts(
    assignments: QuerySet[Assignment], *, today: date, every_days: int | None = None
) -> QuerySet[Assignment]:
    """What reminder_skip_reason reads, for many assignments in one query: the status rule's
    annotations, `recently_reminded` (within `every_days`) and `last_reminded_on`."""
    every_days = every_days or settings.REMINDER_INTERVAL_DAYS
    recent = ReminderLog.objects.filter(
        assignment=OuterRef("pk"), sent_on__gt=today - timedelta(days=every_days)
    )
    last = ReminderLog.objects.filter(assignment=OuterRef("pk")).order_by("-sent_on")
    return (
        with_status(assignments, today=today)
        .annotate(
            recently_reminded=Exists(recent),
            last_reminded_on=Subquery(last.values("sent_on")[:1]),
        )
        .select_related("staff__user__wagtail_userprofile", "staff__location", "cycle", "course")
    )


def reminder_skip_reason(
    assignment: Assignment, *, current_cycle: TrainingCycle | None
) -> str | None:
    """Why this person gets no reminder now (one of SKIP_*), or None: they get one. The one rule
    for the daily command and the administrators' "Send reminder" alike. `assignment` comes
    from with_reminder_facts."""
    staff: Staff = assignment.staff
    # Someone asked to acknowledge a material policy change is reminded like anyone not done.
    if assignment.completed_at is not None and assignment.reacknowledge_from is None:
        return SKIP_COMPLETED
    if assignment.adjustment_kind == EXEMPTION:
        return SKIP_EXEMPT
    if not staff.is_active:
        return SKIP_INACTIVE
    if current_cycle is None or assignment.cycle_id != current_cycle.pk:
        return SKIP_OTHER_CYCLE
    if not staff.email:
        return SKIP_NO_EMAIL
    if staff.user is None or not staff.user.is_active:
        return SKIP_NO_ACCOUNT
    if assignment.recently_reminded:
        return SKIP_RECENT
    return None


@dataclass
class ReminderPreview:
    """Who would get a reminder now, and who would not and why (a SKIP_* reason each)."""

    will: list[Assignment]
    skipped: list[tuple[Assignment, str]]


def reminders_preview(*, assignments: QuerySet[Assignment]) -> ReminderPreview:
    """The reminder rule applied to `assignments` (from with_reminder_facts) without sending
    anything: what the confirmation page lists."""
    current_cycle = cycle_current()
    preview = ReminderPreview(will=[], skipped=[])
    for assignment in assignments:
        reason = reminder_skip_reason(assignment, current_cycle=current_cycle)
        if reason is None:
            preview.will.append(assignment)
        else:
            preview.skipped.append((assignment, reason))
    return preview


def reading_by_cycle(*, staff, assignments) -> dict[int, list[tuple[str, str]]]:
    """{assignment id: [(section title, time on its slides)]} for one staff member, from the
    slide views recorded for each assignment, in course order. Two queries."""
    from training.models import SectionPage
    from training.selectors import minutes_text, time_on_task

    seconds = time_on_task(assignment_ids=[a.pk for a in assignments])
    titles = dict(
        SectionPage.objects.filter(pk__in={pk for _a, pk in seconds})
        .order_by("path")
        .values_list("pk", "title")
    )
    result = {a.pk: [] for a in assignments}
    for pk, title in titles.items():
        for assignment in assignments:
            if (assignment.pk, pk) in seconds:
                result[assignment.pk].append((title, minutes_text(seconds[(assignment.pk, pk)])))
    return result
