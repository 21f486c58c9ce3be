"""Write-side rules of quizzes: starting, answering and grading attempts, and keeping each
section's question bank in step with content/."""

from __future__ import annotations

import math
import secrets
from collections import Counter
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from eupsite.district_time import datetime_text
from eupsite.language import current_language
from eupsite.parsing import number_from_request
from training.models import SectionPage

from .content import read_section_quiz
from .models import QUESTION_TYPES, Attempt, AttemptQuestion, Choice, Question, Quiz

# Messages a learner may read; tests assert on them. Marked with gettext_noop so they stay
# plain English strings here (the message ids); they are translated with gettext where they
# are raised or shown, in the language of the request.
SLIDES_NOT_READ = gettext_noop("Read every slide of this section before you take its quiz.")
SECTION_LOCKED = gettext_noop("Pass the quiz of the section before this one first.")
SECTION_RETIRED = gettext_noop("This section is no longer part of the course.")
ALREADY_PASSED = gettext_noop("You have passed this quiz.")
NOT_ENOUGH_READING = gettext_noop(
    "This course asks for at least %(minimum)s on each section's slides before its quiz. "
    "You have spent %(spent)s on this section so far: go back over its slides, then try again."
)
NO_ATTEMPTS_LEFT = gettext_noop(
    "You have used all %(allowed)s attempts at this quiz. Ask your administrator to allow "
    "another attempt."
)
WAIT_BEFORE_RETRY = gettext_noop(
    "You can try this quiz again from %(when)s. Review the section meanwhile."
)
ANSWER_MISSING = gettext_noop("Answer this question.")
ANSWER_ONE_ONLY = gettext_noop("Choose one answer.")
ANSWER_UNKNOWN_CHOICE = gettext_noop("That answer is not one of this question's choices.")
QUESTION_NOT_IN_ATTEMPT = gettext_noop(
    "The form held an answer to a question that is not in this attempt."
)

_random = secrets.SystemRandom()


class QuizUnavailable(Exception):
    """The learner may not start an attempt now; the message says why and what to do."""


class AnswersInvalid(Exception):
    """The submitted form does not fit the attempt. `errors` maps a question's position (or
    None for the form as a whole) to a message. Nothing was recorded."""

    def __init__(self, errors: dict[int | None, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


def attempt_start_or_resume(*, user, quiz: Quiz, entry=None) -> Attempt:
    """The learner's open attempt at `quiz`, or a new one with its questions drawn.

    `entry` is the learner's OutlineEntry for the quiz's section when the caller has it
    already (it is read here otherwise). Raises QuizUnavailable when the section's slides are
    unread, an earlier section is not passed, the quiz is passed already, no attempts are
    left, or the wait is not over.
    """
    from training.selectors import learner_section_entry

    from .selectors import quiz_section

    section = quiz_section(quiz=quiz)
    if entry is None:
        entry = learner_section_entry(section=section, user=user)
    if entry is None:
        raise QuizUnavailable(gettext(SECTION_RETIRED))
    if not entry.is_open:
        raise QuizUnavailable(gettext(SECTION_LOCKED))
    if not entry.all_slides_read:
        raise QuizUnavailable(gettext(SLIDES_NOT_READ))
    if entry.quiz_passed:
        raise QuizUnavailable(gettext(ALREADY_PASSED))

    # Only this assignment's attempts (and reading) count towards its limits.
    _check_minimum_reading_time(user=user, section=section, entry=entry)
    this_cycle = Attempt.objects.filter(
        user=user, quiz=quiz, kind=Attempt.Kind.QUIZ, assignment_id=entry.assignment_id
    )
    attempt = this_cycle.filter(submitted_at__isnull=True).first()
    if attempt is None:
        # Two tabs or a double click arrive together: lock the learner's row so the second
        # waits, then finds the attempt the first one opened (the unique attempt number cannot
        # catch it, since the second would count the first attempt and take the next number).
        with transaction.atomic():
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            attempt = this_cycle.filter(submitted_at__isnull=True).first() or _attempt_new(
                user=user, quiz=quiz, this_cycle=this_cycle, assignment_id=entry.assignment_id
            )
    attempt.quiz = quiz  # the page shows it: not read again
    return attempt


def _check_minimum_reading_time(*, user, section: SectionPage, entry) -> None:
    """When the course sets a minimum time per section, the quiz waits until the learner has
    spent it on the section's slides (measured on the server from the slides they viewed)."""
    from training.selectors import minutes_text, time_on_task
    from training.services import reading_step_record

    # The slide the learner is leaving counts up to now.
    reading_step_record(user=user)
    # A section served from memory has its course with it; otherwise this reads it.
    minimum = section.get_parent().specific.minimum_minutes_per_section
    if not minimum:
        return
    if entry.assignment_id is None:
        return
    spent = time_on_task(assignment_ids=[entry.assignment_id], since=entry.counts_from).get(
        (entry.assignment_id, section.pk), 0
    )
    if spent < minimum * 60:
        raise QuizUnavailable(
            gettext(NOT_ENOUGH_READING)
            % {"minimum": minutes_text(minimum * 60), "spent": minutes_text(spent)}
        )


def _attempt_new(*, user, quiz: Quiz, this_cycle, assignment_id: int | None) -> Attempt:
    submitted = this_cycle.filter(submitted_at__isnull=False)
    count = submitted.count()
    if quiz.max_attempts is not None and count >= quiz.max_attempts:
        raise QuizUnavailable(gettext(NO_ATTEMPTS_LEFT) % {"allowed": quiz.max_attempts})
    if quiz.wait_between_attempts and count:
        last = submitted.order_by("-submitted_at").first()
        ready_at = last.submitted_at + quiz.wait_between_attempts
        if timezone.now() < ready_at:
            raise QuizUnavailable(gettext(WAIT_BEFORE_RETRY) % {"when": datetime_text(ready_at)})

    seen = Counter(
        AttemptQuestion.objects.filter(attempt__in=this_cycle).values_list("question_id", flat=True)
    )
    questions = draw_questions(quiz, seen=seen)
    return _attempt_create(user=user, quiz=quiz, questions=questions, assignment_id=assignment_id)


def _attempt_create(
    *,
    user,
    quiz: Quiz,
    questions: list[Question],
    assignment_id: int | None,
    kind=Attempt.Kind.QUIZ,
    pass_mark=None,
) -> Attempt:
    """A new attempt with a copy of the questions and choices as they are shown."""
    attempt = Attempt.objects.create(
        user=user,
        quiz=quiz,
        assignment_id=assignment_id,
        kind=kind,
        number=Attempt.objects.filter(user=user, quiz=quiz).count() + 1,
        question_count=len(questions),
        pass_mark=quiz.pass_mark if pass_mark is None else pass_mark,
        language=current_language(),
    )
    AttemptQuestion.objects.bulk_create(
        AttemptQuestion(
            attempt=attempt,
            question=question,
            position=position,
            shown=_as_shown(question, shuffle=quiz.shuffle),
        )
        for position, question in enumerate(questions, start=1)
    )
    return attempt


def draw_questions(quiz: Quiz, *, seen: Counter | None = None, size: int | None = None):
    """The questions of a new attempt: `size` of them (the quiz's setting when None) from the
    active bank, preferring those the learner has been asked least often (`seen` counts them),
    so each retry asks different questions while the bank allows."""
    bank = list(
        quiz.questions.filter(is_active=True)
        .order_by("sort_order", "pk")
        .prefetch_related("choices")
    )
    if not bank:
        raise QuizUnavailable(gettext("This quiz has no questions yet. Tell your administrator."))
    size = min(size or quiz.questions_per_attempt or len(bank), len(bank))
    if size < len(bank):
        seen = seen or Counter()
        # A random tie-break within each count keeps the draw unpredictable.
        ranked = sorted(bank, key=lambda q: (seen[q.pk], _random.random()))
        drawn = ranked[:size]
        if quiz.shuffle:
            _random.shuffle(drawn)
        bank = drawn if quiz.shuffle else sorted(drawn, key=lambda q: (q.sort_order, q.pk))
    elif quiz.shuffle:
        _random.shuffle(bank)
    return bank


def _as_shown(question: Question, *, shuffle: bool) -> dict:
    choices = [
        {"id": c.pk, "text": c.text, "correct": c.is_correct} for c in question.choices.all()
    ]
    # True/False keeps its natural order; other choices are shuffled when the quiz says so.
    if shuffle and question.type_key != "true_false":
        _random.shuffle(choices)
    shown = {
        "key": question.key,
        "type": question.type_key,
        "prompt": question.prompt,
        "choices": choices,
        "explanation": question.explanation,
        "source": _question_source(question),
    }
    if question.type_key == "scenario":
        shown["scenario"] = question.scenario
    return shown


def parse_answers(*, items: list[AttemptQuestion], data) -> dict[int, set[int]]:
    """Turn a submitted form into {position: choice ids}.

    The form names each answer by its place in the list the learner was shown (1, 2, 3…),
    not by database id: ids follow the author's order and would undo the shuffle. Raises
    AnswersInvalid for a missing answer, two answers to a one-answer question, an answer that
    is not one of the question's choices, or a field for a question not in the attempt.
    """
    errors: dict[int | None, str] = {}
    positions = {item.position for item in items}
    for key in data:
        if key.startswith("q") and number_from_request(key[1:]) not in positions:
            errors[None] = gettext(QUESTION_NOT_IN_ATTEMPT)
    answers = {}
    for item in items:
        key = f"q{item.position}"
        values = data.getlist(key) if hasattr(data, "getlist") else data.get(key, [])
        shown_ids = item.choice_ids
        places = {number_from_request(v) for v in values}
        if None in places:
            errors[item.position] = gettext(ANSWER_UNKNOWN_CHOICE)
            continue
        if not places:
            errors[item.position] = gettext(ANSWER_MISSING)
        elif not all(1 <= place <= len(shown_ids) for place in places):
            errors[item.position] = gettext(ANSWER_UNKNOWN_CHOICE)
        elif len(places) > 1 and not item.allows_several_answers:
            errors[item.position] = gettext(ANSWER_ONE_ONLY)
        else:
            answers[item.position] = {shown_ids[place - 1] for place in places}
    if errors:
        raise AnswersInvalid(errors)
    return answers


def attempt_submit(*, user, attempt_id: int, data) -> Attempt:
    """Grade and record the learner's answers, once.

    A second submission of the same attempt (double click, back button, another tab) changes
    nothing and returns the recorded attempt. Raises Attempt.DoesNotExist when the attempt is
    not `user`'s own, and AnswersInvalid (recording nothing) when the form does not fit.
    """
    with transaction.atomic():
        attempt = (
            # Lock the attempt only, not the quiz: other learners' submissions go on.
            Attempt.objects.select_for_update(of=("self",))
            .select_related("quiz")
            # A test-out is graded as a whole, by test_out_submit.
            .filter(pk=attempt_id, user=user, kind=Attempt.Kind.QUIZ)
            .first()
        )
        if attempt is None:
            raise Attempt.DoesNotExist
        if attempt.is_submitted:
            return attempt
        items = list(attempt.items.order_by("position"))
        answers = parse_answers(items=items, data=data)
        _grade(attempt, items, answers)
    return attempt


def _grade(attempt: Attempt, items: list[AttemptQuestion], answers: dict[int, set[int]]):
    """Record the answers and the grade of an attempt (inside the caller's transaction)."""
    questions = {q.pk: q for q in Question.objects.filter(pk__in=[i.question_id for i in items])}
    correct = 0
    for item in items:
        selected = answers[item.position]
        mark = questions[item.question_id].grade(selected, item.correct_ids)
        item.selected_choice_ids = sorted(selected)
        item.is_correct = mark == 1
        correct += int(mark)
    AttemptQuestion.objects.bulk_update(items, ["selected_choice_ids", "is_correct"])
    attempt.correct_count = correct
    attempt.score, attempt.passed = attempt_score(
        correct=correct, total=len(items), pass_mark=attempt.pass_mark
    )
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["correct_count", "score", "passed", "submitted_at"])


def attempt_score(*, correct: int, total: int, pass_mark: int) -> tuple[Decimal, bool]:
    """The score in percent (two decimals) and whether it passes. The pass decision uses the
    exact fraction, so 4 of 5 passes an 80 % mark and 79.99 % never rounds up to a pass."""
    if total <= 0:
        raise ValueError("an attempt has at least one question")
    exact = Fraction(correct, total) * 100
    score = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return score, exact >= pass_mark


QUIZ_DEFAULTS = {
    "pass_mark": 80,
    "questions_per_attempt": None,
    "shuffle": True,
    "max_attempts": None,
    "wait_minutes": None,
    "review_shows_answers": False,
}


def question_as_dict(question: Question) -> dict:
    """A question as the plain data of a content file (the shape read_questions returns)."""
    data: dict = {"id": question.key, "type": question.type_key}
    if question.tags:
        data["tags"] = list(question.tags)
    if question.type_key == "scenario":
        data["scenario"] = question.scenario
    data["prompt"] = question.prompt
    choices = list(question.choices.all())
    if question.type_key == "true_false":
        data["answer"] = any(c.is_correct and c.text == "True" for c in choices)
    else:
        data["choices"] = [{"text": c.text, "correct": c.is_correct} for c in choices]
    data["explanation"] = question.explanation
    data["source"] = _question_source(question)
    return data


def _question_source(question: Question) -> dict:
    source = {"document": question.source_document_id, "passage": question.source_passage}
    if question.source_at:
        source["at"] = question.source_at
    return source


def quiz_settings_as_dict(quiz: Quiz) -> dict:
    """The quiz's settings that differ from the defaults (content files list only those)."""
    values = {
        "pass_mark": quiz.pass_mark,
        "questions_per_attempt": quiz.questions_per_attempt,
        "shuffle": quiz.shuffle,
        "max_attempts": quiz.max_attempts,
        "review_shows_answers": quiz.review_shows_answers,
        # Whole minutes, rounded up, so a short wait set in the admin never exports as 0.
        "wait_minutes": (
            math.ceil(quiz.wait_between_attempts.total_seconds() / 60)
            if quiz.wait_between_attempts
            else None
        ),
    }
    return {k: v for k, v in values.items() if v != QUIZ_DEFAULTS[k]}


def quiz_export(*, section: SectionPage) -> tuple[dict, list[dict]]:
    """(settings, questions) of the section's quiz, active questions in their order."""
    quiz = Quiz.objects.filter(section=section).first()
    if quiz is None:
        return {}, []
    questions = quiz.questions.filter(is_active=True).order_by("sort_order", "pk")
    questions = questions.prefetch_related("choices")
    return quiz_settings_as_dict(quiz), [question_as_dict(q) for q in questions]


@transaction.atomic
def quiz_sync_from_spec(*, section: SectionPage, settings: dict, questions: list[dict]) -> bool:
    """Make the section's quiz match the content file. Returns whether anything changed.

    A question that changed is updated in place (attempts keep a copy of what they showed);
    a question no longer in the file is retired, never deleted, because attempts refer to it.
    """
    wanted_settings = QUIZ_DEFAULTS | settings
    quiz, created = Quiz.objects.get_or_create(section=section)
    changed = created
    if quiz_settings_as_dict(quiz) != settings:
        quiz.pass_mark = wanted_settings["pass_mark"]
        quiz.questions_per_attempt = wanted_settings["questions_per_attempt"]
        quiz.shuffle = wanted_settings["shuffle"]
        quiz.max_attempts = wanted_settings["max_attempts"]
        quiz.review_shows_answers = wanted_settings["review_shows_answers"]
        minutes = wanted_settings["wait_minutes"]
        quiz.wait_between_attempts = timedelta(minutes=minutes) if minutes else None
        quiz.full_clean()
        quiz.save()
        changed = True

    # Questions are matched by their key, so inserting one, or editing one's wording, leaves
    # the others as they are. Retired questions are matched too: putting one back revives it.
    by_key = {q.key: q for q in quiz.questions.exclude(key="").prefetch_related("choices")}
    wanted = {spec["id"] for spec in questions}
    for position, spec in enumerate(questions, start=1):
        existing = by_key.get(spec["id"])
        if existing is not None and existing.type_key == spec["type"]:
            if (
                existing.is_active
                and existing.sort_order == position
                and question_as_dict(existing) == spec
            ):
                continue
            _question_update(existing, spec, position)
        else:
            if existing is not None:
                # A new type is a new question: the old one keeps its attempts under a new key.
                existing.key = f"{existing.key}-retired-{existing.pk}"
                _question_retire(existing, fields=["key"])
            _question_create(quiz, spec, position)
        changed = True
    for question in quiz.questions.filter(is_active=True):
        if question.key not in wanted:
            _question_retire(question)
            changed = True
    return changed


def _question_fields(spec: dict, position: int) -> dict:
    fields = {
        "key": spec["id"],
        "tags": spec.get("tags", []),
        "is_active": True,
        "sort_order": position,
        "prompt": spec["prompt"],
        "explanation": spec["explanation"],
        "source_document_id": spec["source"]["document"],
        "source_passage": spec["source"]["passage"],
        "source_at": spec["source"].get("at", ""),
    }
    if spec["type"] == "scenario":
        fields["scenario"] = spec["scenario"]
    return fields


def _choices_of(spec: dict) -> list[dict]:
    if spec["type"] == "true_false":
        return [
            {"text": "True", "correct": spec["answer"] is True},
            {"text": "False", "correct": spec["answer"] is False},
        ]
    return spec["choices"]


def _question_create(quiz: Quiz, spec: dict, position: int) -> Question:
    model = QUESTION_TYPES[spec["type"]]
    question = model.objects.create(quiz=quiz, **_question_fields(spec, position))
    _choices_replace(question, spec)
    return question


def _question_update(question: Question, spec: dict, position: int) -> None:
    for name, value in _question_fields(spec, position).items():
        setattr(question, name, value)
    question.save()
    current = [{"text": c.text, "correct": c.is_correct} for c in question.choices.all()]
    if current != _choices_of(spec):
        question.choices.all().delete()
        _choices_replace(question, spec)


def _choices_replace(question: Question, spec: dict) -> None:
    Choice.objects.bulk_create(
        Choice(question=question, text=c["text"], is_correct=c["correct"], sort_order=i)
        for i, c in enumerate(_choices_of(spec))
    )


def _question_retire(question: Question, *, fields: list[str] = ()) -> None:
    question.is_active = False
    question.save(update_fields=["is_active", *fields])


# --- the test-out: a pre-assessment for returning staff -------------------------------------

# Each section contributes this many questions; a section whose questions are all answered
# correctly counts as passed for the cycle.
TEST_OUT_QUESTIONS_PER_SECTION = 4
TEST_OUT_NOT_OFFERED = gettext_noop(
    "The test-out is for returning staff on the annual refresher, before they take any "
    "section's quiz, once a year."
)


class TestOutUnavailable(Exception):
    """The learner may not take the test-out now; the message says why."""


def test_out_start_or_resume(*, user, course) -> list[Attempt]:
    """The learner's open test-out (one attempt per section that has questions, in course
    order), or a new one. Raises TestOutUnavailable when it is not offered to them."""
    from staff.selectors import learner_assignment

    from .selectors import test_out_attempts, test_out_offered

    with transaction.atomic():
        # As with a quiz: a second tab waits here, then finds what the first one opened.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        open_attempts = test_out_attempts(user=user, course=course, submitted=False)
        if open_attempts:
            return open_attempts
        if not test_out_offered(user=user, course=course):
            raise TestOutUnavailable(gettext(TEST_OUT_NOT_OFFERED))
        quizzes = Quiz.objects.filter(
            section__in=SectionPage.objects.child_of(course).live(), questions__is_active=True
        ).distinct()
        assignment = learner_assignment(user=user, course_id=course.pk)
        attempts = []
        for quiz in sorted(quizzes.select_related("section"), key=lambda q: q.section.path):
            questions = draw_questions(quiz, size=TEST_OUT_QUESTIONS_PER_SECTION)
            # Every question right, or the section is read and its quiz taken as usual.
            attempt = _attempt_create(
                user=user,
                quiz=quiz,
                questions=questions,
                assignment_id=assignment.pk,
                kind=Attempt.Kind.TEST_OUT,
                pass_mark=100,
            )
            attempts.append(attempt)
        return attempts


class _Prefixed:
    """One attempt's answers out of the test-out form, whose fields are named a<n>-q<m>."""

    def __init__(self, data, prefix: str):
        self._data, self._prefix = data, prefix

    def __iter__(self):
        return (key[len(self._prefix) :] for key in self._data if key.startswith(self._prefix))

    def getlist(self, key):
        return self._data.getlist(self._prefix + key)


def test_out_submit(*, user, course, data) -> list[Attempt]:
    """Grade and record the whole test-out at once: every section's attempt or none.

    Raises AnswersInvalid with errors keyed by (section place, question position), recording
    nothing, and TestOutUnavailable when there is no open test-out. Submitting again changes
    nothing.
    """
    from .selectors import test_out_attempts

    with transaction.atomic():
        attempts = test_out_attempts(user=user, course=course, submitted=None, lock=True)
        if not attempts:
            raise TestOutUnavailable(gettext(TEST_OUT_NOT_OFFERED))
        if all(a.is_submitted for a in attempts):
            return attempts
        errors, graded = {}, []
        for place, attempt in enumerate(attempts, start=1):
            items = list(attempt.items.order_by("position"))
            try:
                answers = parse_answers(items=items, data=_Prefixed(data, f"a{place}-"))
            except AnswersInvalid as exc:
                errors.update({(place, position): m for position, m in exc.errors.items()})
                continue
            graded.append((attempt, items, answers))
        if errors:
            raise AnswersInvalid(errors)
        for attempt, items, answers in graded:
            _grade(attempt, items, answers)
    return attempts


class QuizContent:
    """The quizzes' part of the course content, as training's loader and exporter use it
    (registered for training.content.QUIZ_CONTENT_HOOK)."""

    read = staticmethod(read_section_quiz)
    sync = staticmethod(quiz_sync_from_spec)
    export = staticmethod(quiz_export)
    defaults = QUIZ_DEFAULTS
