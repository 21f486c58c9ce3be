"""Read-side rules of the roster: an assignment's status is derived from dates and records,
never typed in. Extensions and exemptions (AssignmentAdjustment) take part in it: the latest one
decides the effective due date, or that the person is exempt from the cycle."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import models
from django.db.models import (
    Case,
    CharField,
    Count,
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
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from eupsite.district_time import short_date_format

from .models import (
    Assignment,
    AssignmentAdjustment,
    AssignmentRule,
    RosterChange,
    RosterImport,
    SignInCode,
    SignInCodeSheet,
    Staff,
    TrainingCycle,
)

NOT_STARTED, IN_PROGRESS, COMPLETED, OVERDUE = "not_started", "in_progress", "completed", "overdue"
EXEMPT = "exempt"
# Completed, then a material change of the policies was published: they acknowledge it.
REACKNOWLEDGE = "reacknowledge"
STATUS_LABELS = {
    NOT_STARTED: _("Not started"),
    IN_PROGRESS: _("In progress"),
    COMPLETED: _("Completed"),
    OVERDUE: _("Overdue"),
    EXEMPT: _("Exempt"),
    REACKNOWLEDGE: _("Re-acknowledgement needed"),
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
    """Annotate `has_activity`: the learner read a slide or started a quiz for this assignment.
    The records point to their assignment (reverse relations), so no date decides it."""
    read = Assignment.objects.filter(pk=OuterRef("pk"), section_progress__isnull=False)
    attempted = Assignment.objects.filter(pk=OuterRef("pk"), attempts__isnull=False)
    return assignments.annotate(has_activity=Exists(read) | Exists(attempted))


def with_status(assignments: QuerySet[Assignment], *, today: date) -> QuerySet[Assignment]:
    """Annotate `status`: assignment_status below, as SQL, for reports over many staff (with
    with_adjustment's annotations too)."""
    return with_activity(with_adjustment(assignments)).annotate(
        status=Case(
            When(reacknowledge_from__isnull=False, then=Value(REACKNOWLEDGE)),
            When(completed_at__isnull=False, then=Value(COMPLETED)),
            When(Q(adjustment_kind=EXEMPTION), then=Value(EXEMPT)),
            When(effective_due_on__lt=today, then=Value(OVERDUE)),
            When(has_activity=True, then=Value(IN_PROGRESS)),
            default=Value(NOT_STARTED),
            output_field=CharField(),
        )
    )


def assignment_status(assignment: Assignment, *, today: date | None = None) -> str:
    """Re-acknowledgement needed when a material policy change was published after they
    signed; completed once completed (even by someone exempted meanwhile); otherwise exempt when the
    latest adjustment is an exemption; otherwise overdue the day after the effective due date
    (not on it); otherwise in progress if the learner has begun within this cycle; otherwise
    not started. A completion in an earlier cycle belongs to that cycle's assignment and counts
    there only."""
    today = today or timezone.localdate()
    if assignment.reacknowledge_from is not None:
        return REACKNOWLEDGE
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


def current_assignments(*, user, today: date | None = None) -> QuerySet[Assignment]:
    """The learner's assignments (one per course) in the training cycle that holds `today`."""
    if not user.is_authenticated:
        return Assignment.objects.none()
    today = today or timezone.localdate()
    return Assignment.objects.filter(
        staff__user=user, cycle__starts_on__lte=today, cycle__ends_on__gte=today
    )


def learner_assignment(*, user, course_id: int, today: date | None = None) -> Assignment | None:
    """The learner's assignment for this course in the current cycle: what their reading,
    attempts and signature count for. None for someone not assigned the course (an editor
    looking at it), whose activity counts for nothing. One query."""
    return (
        current_assignments(user=user, today=today)
        .filter(course_id=course_id)
        .select_related("cycle")
        .first()
    )


def staff_for_user(*, user) -> Staff | None:
    if not user.is_authenticated:
        return None
    return Staff.objects.select_related("location").filter(user=user).first()


@dataclass(frozen=True)
class LearnerCourseAssignments:
    """What a course page shows of the learner's assignments, read in one query."""

    current: LearnerAssignment | None  # this course, the current cycle, with its status
    history: list[Assignment]  # this course, other cycles, completed; the latest first
    courses: list[LearnerAssignment]  # every course of the current cycle, in course order


def learner_course_assignments(
    *, user, course_id: int, today: date | None = None
) -> LearnerCourseAssignments:
    """The learner's assignments of every cycle and course in one query (with their
    extensions, exemptions and activity), sorted out for one course's page."""
    today = today or timezone.localdate()
    if not user.is_authenticated:
        return LearnerCourseAssignments(None, [], [])
    assignments = list(
        with_activity(
            with_adjustment(
                Assignment.objects.filter(staff__user=user).select_related("cycle", "course")
            )
        )
    )
    in_cycle = [a for a in assignments if a.cycle.starts_on <= today <= a.cycle.ends_on]
    courses = [
        LearnerAssignment(a, assignment_status(a, today=today))
        for a in sorted(in_cycle, key=lambda a: a.course.path)
    ]
    current = next((c for c in courses if c.assignment.course_id == course_id), None)
    history = sorted(
        (
            a
            for a in assignments
            if a.course_id == course_id and a not in in_cycle and a.completed_at is not None
        ),
        key=lambda a: a.cycle.starts_on,
        reverse=True,
    )
    return LearnerCourseAssignments(current, history, courses)


def learner_assignments(
    *, user, course_id: int, today: date | None = None
) -> tuple[LearnerAssignment | None, list[Assignment]]:
    """For one course: (the current cycle's assignment with its status, completed assignments
    of other cycles)."""
    found = learner_course_assignments(user=user, course_id=course_id, today=today)
    return found.current, found.history


def learner_courses(*, user, today: date | None = None) -> list[LearnerAssignment]:
    """The learner's assignments in the current cycle, one per course, in course order, each
    with its status and due date (the course reached as `assignment.course`)."""
    today = today or timezone.localdate()
    assignments = with_activity(
        with_adjustment(
            current_assignments(user=user, today=today).select_related("cycle", "course")
        )
    ).order_by("course__path")
    return [LearnerAssignment(a, assignment_status(a, today=today)) for a in assignments]


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
    "district_account": _("Signs in with the district account (Google or Microsoft)"),
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
    if user.last_login is not None:
        return "district_account" if user.is_active else "disabled"
    if not staff.email:
        return "needs_code"
    return "invited" if staff.invited_at else "not_invited"


def invitation_may_be_accepted(*, user) -> bool:
    """Whether an invitation link may set this account's first password: it belongs to an
    active staff member and has never had a usable password."""
    staff = staff_for_user(user=user)
    return staff is not None and staff.is_active and not user.has_usable_password()


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


# --- assigning a cycle -----------------------------------------------------------------------


def assignment_due_on(*, cycle: TrainingCycle, hire_date: date) -> tuple[str, date]:
    """(kind, due date): a new hire (hired inside the cycle) has new_hire_due_days from the hire
    date; everyone else is due by the refresher date."""
    if cycle.starts_on <= hire_date <= cycle.ends_on:
        return Assignment.Kind.ONBOARDING, hire_date + timedelta(days=cycle.new_hire_due_days)
    return Assignment.Kind.REFRESHER, cycle.refresher_due_on


def assignment_rules(*, rules: list[AssignmentRule] | None = None) -> list[AssignmentRule]:
    """The rules that assign courses, for published courses only (an unpublished course is
    retired: nobody new is assigned it)."""
    if rules is None:
        rules = AssignmentRule.objects.filter(course__live=True)
    return list(rules)


def courses_for(member: Staff, rules: list[AssignmentRule]) -> list[int]:
    """The ids of the courses the rules assign to this staff member, in a stable order."""
    return sorted(
        {
            rule.course_id
            for rule in rules
            if rule.matches(job_title=member.job_title, location_id=member.location_id)
        }
    )


def assignments_missing(
    *, cycle: TrainingCycle, rules: list[AssignmentRule] | None = None
) -> list[Assignment]:
    """The assignments `cycle` lacks (unsaved): one for each active staff member and each
    course the assignment rules give them that they have none of in it, with its kind and
    due date. `cycle` may be unsaved (a cycle being previewed). `rules` are the rules to
    apply (the saved ones when None; a rule being previewed otherwise). What
    staff.services.assignments_ensure creates and what the admin's previews count, so they
    cannot disagree. Two queries, and one more for a saved cycle."""
    assignments = []
    staff_field, cycle_field = (
        Assignment._meta.get_field("staff"),
        Assignment._meta.get_field("cycle"),
    )
    for member, course_id, kind, due_on in assignments_missing_rows(cycle=cycle, rules=rules):
        assignment = Assignment(
            staff_id=member.pk, cycle_id=cycle.pk, course_id=course_id, kind=kind, due_on=due_on
        )
        # Ids, with the objects put in the cache (a third of the cost of setting them): the
        # previews show the names.
        staff_field.set_cached_value(assignment, member)
        cycle_field.set_cached_value(assignment, cycle)
        assignments.append(assignment)
    return assignments


def assignments_missing_rows(
    *, cycle: TrainingCycle, rules: list[AssignmentRule] | None = None
) -> Iterator[tuple[Staff, int, str, date]]:
    """assignments_missing as (staff member, course id, kind, due date), with no Assignment
    made: what a roster import of thousands of new people writes as rows."""
    rules = assignment_rules(rules=rules)
    if not rules:
        return
    have = set()
    if cycle.pk is not None:
        have = set(Assignment.objects.filter(cycle=cycle).values_list("staff_id", "course_id"))
    staff = Staff.objects.filter(is_active=True).only(
        "pk", "employee_id", "first_name", "last_name", "hire_date", "job_title", "location_id"
    )
    for member in staff.order_by("pk"):
        for course_id in courses_for(member, rules):
            if (member.pk, course_id) not in have:
                yield (
                    member,
                    course_id,
                    *assignment_due_on(cycle=cycle, hire_date=member.hire_date),
                )


@dataclass(frozen=True)
class CycleOpening:
    """What opening a cycle would do: the assignments it would create, by kind."""

    cycle: TrainingCycle
    already_open: bool
    already_assigned: int
    to_assign: list[Assignment]

    @property
    def people(self) -> int:
        """How many people get at least one assignment (one per course they are given)."""
        return len({a.staff_id for a in self.to_assign})

    @property
    def courses(self) -> int:
        return len({a.course_id for a in self.to_assign})

    def _first_per_person(self, kind) -> list[Assignment]:
        seen, first = set(), []
        for a in self.to_assign:
            if a.kind == kind and a.staff_id not in seen:
                seen.add(a.staff_id)
                first.append(a)
        return first

    @property
    def refresher(self) -> list[Assignment]:
        """One assignment per person on the annual refresher."""
        return self._first_per_person(Assignment.Kind.REFRESHER)

    @property
    def onboarding(self) -> list[Assignment]:
        """One assignment per new hire."""
        return self._first_per_person(Assignment.Kind.ONBOARDING)

    @property
    def onboarding_earliest(self) -> date | None:
        return min((a.due_on for a in self.onboarding), default=None)

    @property
    def onboarding_latest(self) -> date | None:
        return max((a.due_on for a in self.onboarding), default=None)


def cycle_opening(*, cycle: TrainingCycle) -> CycleOpening:
    """Preview opening `cycle` (unsaved, with the dates a person chose): if a cycle of that
    name exists, opening it again only assigns those missing from it, on its own dates."""
    existing = TrainingCycle.objects.filter(name=cycle.name).first()
    if existing is not None:
        cycle = existing
    return CycleOpening(
        cycle=cycle,
        already_open=existing is not None,
        already_assigned=existing.assignments.count() if existing else 0,
        to_assign=assignments_missing(cycle=cycle),
    )


@dataclass(frozen=True)
class RulesPreview:
    """What applying the assignment rules to a cycle would add: the new assignments, and how
    many per course (course title, count), in course order."""

    cycle: TrainingCycle | None
    to_assign: list[Assignment]
    by_course: list[tuple[str, int]]

    @property
    def people(self) -> int:
        return len({a.staff_id for a in self.to_assign})


def rules_preview(*, cycle: TrainingCycle | None) -> RulesPreview:
    """Preview applying the saved assignment rules to `cycle` (the current one, typically)."""
    if cycle is None:
        return RulesPreview(cycle=None, to_assign=[], by_course=[])
    rules = list(AssignmentRule.objects.filter(course__live=True).select_related("course"))
    to_assign = assignments_missing(cycle=cycle, rules=rules)
    titles = {rule.course_id: (rule.course.path, rule.course.title) for rule in rules}
    courses = {rule.course_id: rule.course for rule in rules}
    counts: dict[int, int] = {}
    for assignment in to_assign:
        assignment.course = courses[assignment.course_id]
        counts[assignment.course_id] = counts.get(assignment.course_id, 0) + 1
    by_course = [
        (titles[course_id][1], count)
        for course_id, count in sorted(counts.items(), key=lambda item: titles[item[0]])
    ]
    return RulesPreview(cycle=cycle, to_assign=to_assign, by_course=by_course)


# --- invitations -----------------------------------------------------------------------------


class NotInvited(models.TextChoices):
    """Why someone was not sent an invitation (each says what to do instead)."""

    INACTIVE = "inactive", _("inactive on the roster")
    NO_EMAIL = "no_email", _("no work e-mail: print a sign-in code")
    NO_ACCOUNT = "no_account", _("no login account")
    HAS_PASSWORD = "has_password", _("already set a password")
    SIGNS_IN_WITH_DISTRICT_ACCOUNT = (
        "signs_in_with_district_account",
        _("already signs in with the district account"),
    )
    ALREADY_INVITED = "already_invited", _("already invited")


@dataclass(frozen=True)
class Skipped:
    staff: Staff
    reason: NotInvited

    def __str__(self) -> str:
        if self.reason == NotInvited.ALREADY_INVITED and self.staff.invited_at:
            on = formats.date_format(timezone.localdate(self.staff.invited_at), short_date_format())
            return str(_("already invited on %(date)s")) % {"date": on}
        return str(self.reason.label)


@dataclass
class Invitations:
    """Who is (or would be) invited and who is not, with why."""

    invited: list[Staff] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def invitation_obstacle(*, staff: Staff, resend: bool = False) -> NotInvited | None:
    """Why `staff` cannot be invited now, or None if they can. Someone without a work e-mail
    signs in with a code printed for them instead (another way in, not an e-mail)."""
    if not staff.is_active:
        return NotInvited.INACTIVE
    if not staff.email:
        return NotInvited.NO_EMAIL
    if staff.user is None:
        return NotInvited.NO_ACCOUNT
    if staff.user.has_usable_password():
        return NotInvited.HAS_PASSWORD
    # Signed in without ever having a password: through the district's identity provider.
    if staff.user.last_login is not None:
        return NotInvited.SIGNS_IN_WITH_DISTRICT_ACCOUNT
    if staff.invited_at and not resend:
        return NotInvited.ALREADY_INVITED
    return None


def invitations_plan(*, staff: list[Staff], resend: bool = False) -> Invitations:
    """Who of `staff` an invitation would go to, and who not with the reason. Reads nothing
    beyond the staff given (pass them with select_related("user"))."""
    plan = Invitations()
    for member in staff:
        reason = invitation_obstacle(staff=member, resend=resend)
        if reason is None:
            plan.invited.append(member)
        else:
            plan.skipped.append(Skipped(member, reason))
    return plan


# --- a roster import's result ----------------------------------------------------------------


def roster_import_new_staff(*, roster_import: RosterImport) -> QuerySet[Staff]:
    """The staff members this import created (with their login accounts)."""
    return (
        Staff.objects.filter(
            roster_changes__roster_import=roster_import,
            roster_changes__action=RosterChange.Action.CREATED,
        )
        .select_related("user__wagtail_userprofile", "location")
        .order_by("last_name", "first_name", "pk")
    )


@dataclass(frozen=True)
class RosterImportResult:
    """What an applied import did, from what was recorded when it was applied."""

    roster_import: RosterImport
    created: list[RosterChange]
    updated: list[RosterChange]
    deactivated: list[RosterChange]
    invitable: int

    @property
    def counts(self) -> dict:
        return self.roster_import.summary

    @property
    def new_locations(self) -> list[str]:
        return self.roster_import.summary.get("new_locations", [])

    @property
    def rejected_rows(self) -> list[dict]:
        return self.roster_import.summary.get("rejected_rows", [])


def roster_import_result(*, roster_import: RosterImport, limit: int = 200) -> RosterImportResult:
    """The result page of an applied import: the first `limit` people of each kind of change
    (the counts are in its summary) and how many of those it created can be invited now. Never
    a new plan of the file: the database matches the file by now, so a plan would say
    "unchanged" for everyone."""
    changes = roster_import.changes.order_by("full_name", "pk")
    Action = RosterChange.Action
    return RosterImportResult(
        roster_import=roster_import,
        created=list(changes.filter(action=Action.CREATED)[:limit]),
        updated=list(changes.filter(action=Action.UPDATED)[:limit]),
        deactivated=list(changes.filter(action=Action.DEACTIVATED)[:limit]),
        invitable=len(
            invitations_plan(
                staff=list(roster_import_new_staff(roster_import=roster_import))
            ).invited
        ),
    )
