"""Read-side rules of quizzes: where a learner stands with each section's quiz."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Q

from .models import Attempt, AttemptQuestion, Quiz


@dataclass(frozen=True)
class QuizStatus:
    passed: bool
    best_score: Decimal | None
    last_score: Decimal | None
    last_passed: bool | None
    submitted_attempts: int
    passing_attempt_id: int | None
    last_attempt_id: int | None
    tested_out: bool = False


def quiz_status_by_section(
    *,
    user,
    section_ids: list[int],
    assignment_id: int | None,
    since_by_section: dict | None = None,
) -> dict[int, QuizStatus]:
    """Each section's quiz status for `user` from the submitted attempts of their assignment
    (those without one when None: an editor trying the quizzes). `since_by_section` leaves out
    a section's attempts from before a material change of it. Two queries, whatever the
    number of sections."""
    if not user.is_authenticated or not section_ids:
        return {}
    attempts = Attempt.objects.filter(
        user=user,
        assignment_id=assignment_id,
        quiz__section_id__in=section_ids,
        submitted_at__isnull=False,
    )
    if since_by_section and any(since_by_section.values()):
        # Each section from its own moment (a section changed by a material policy change
        # counts only attempts after it).
        counted = Q(pk__in=[])
        for section_id in section_ids:
            start = since_by_section.get(section_id)
            counted |= (
                Q(quiz__section_id=section_id, submitted_at__gte=start)
                if start is not None
                else Q(quiz__section_id=section_id)
            )
        attempts = attempts.filter(counted)
    # A test-out passes a section like its quiz does; a test-out that missed a question only
    # means the section is read and its quiz taken, so it is no "failed quiz".
    quiz_kind = Q(kind=Attempt.Kind.QUIZ)
    summary = attempts.values("quiz__section_id").annotate(
        attempts=Count("pk", filter=quiz_kind),
        best=Max("score", filter=quiz_kind | Q(passed=True)),
        passing_id=Max("pk", filter=Q(passed=True)),
        tested_out_id=Max("pk", filter=Q(passed=True, kind=Attempt.Kind.TEST_OUT)),
        last_id=Max("pk", filter=quiz_kind),
    )
    rows = {row["quiz__section_id"]: row for row in summary}
    last = {
        a.pk: a
        for a in Attempt.objects.filter(pk__in=[r["last_id"] for r in rows.values()]).only(
            "pk", "score", "passed"
        )
    }
    statuses = {}
    for section_id, row in rows.items():
        latest = last.get(row["last_id"])
        statuses[section_id] = QuizStatus(
            passed=row["passing_id"] is not None,
            best_score=row["best"],
            last_score=latest.score if latest else None,
            last_passed=latest.passed if latest else None,
            submitted_attempts=row["attempts"],
            passing_attempt_id=row["passing_id"],
            last_attempt_id=row["last_id"],
            tested_out=row["tested_out_id"] is not None,
        )
    return statuses


def sections_with_questions(*, section_ids: list[int]) -> set[int]:
    """The sections whose quiz has at least one question in its bank."""
    return set(
        Quiz.objects.filter(section_id__in=section_ids, questions__is_active=True)
        .values_list("section_id", flat=True)
        .distinct()
    )


def quiz_section(*, quiz: Quiz):
    """The quiz's section: a live one as the course structure keeps it in memory (its course
    with it), an unpublished one as stored. Never assigned to `quiz.section`: that one-to-one
    would also write this quiz onto the shared page."""
    from training.selectors import live_section

    return live_section(section_id=quiz.section_id) or quiz.section


def quiz_for_section(*, section) -> Quiz | None:
    return Quiz.objects.filter(section=section).first()


def attempt_for_user(*, user, attempt_id: int) -> Attempt | None:
    """The attempt if it is `user`'s own; None otherwise (the view answers 404, not 403)."""
    return Attempt.objects.select_related("quiz__section").filter(pk=attempt_id, user=user).first()


def attempt_items(*, attempt: Attempt) -> list[AttemptQuestion]:
    return list(attempt.items.order_by("position"))


_LOOK_IT_UP = object()


def test_out_attempts(
    *, user, course, submitted: bool | None, lock: bool = False, assignment=_LOOK_IT_UP
) -> list[Attempt]:
    """The learner's test-out attempts for their current assignment of `course` (looked up
    unless the caller passes it, None when not assigned), in course order: the open ones
    (submitted=False), the submitted ones (True) or all (None)."""
    from staff.selectors import learner_assignment

    if assignment is _LOOK_IT_UP:
        assignment = learner_assignment(user=user, course_id=course.pk)
    if assignment is None:
        return []
    attempts = Attempt.objects.filter(
        assignment=assignment, kind=Attempt.Kind.TEST_OUT
    ).select_related("quiz__section")
    if submitted is not None:
        attempts = attempts.filter(submitted_at__isnull=not submitted)
    if lock:
        attempts = attempts.select_for_update(of=("self",))
    return sorted(attempts, key=lambda a: a.quiz.section.path)


def test_out_offered(*, user, course, current=_LOOK_IT_UP) -> bool:
    """Whether the learner may start the test-out: they are on this cycle's annual refresher
    of the course (new hires read every section), and have taken neither the test-out nor any
    section's quiz for it. `current`: the LearnerAssignment, when the caller has it."""
    from staff.models import Assignment
    from staff.selectors import learner_assignments

    if current is _LOOK_IT_UP:
        current, _history = learner_assignments(user=user, course_id=course.pk)
    if current is None or current.assignment.kind != Assignment.Kind.REFRESHER:
        return False
    if current.status in ("completed", "exempt"):
        return False
    return not Attempt.objects.filter(assignment=current.assignment).exists()
