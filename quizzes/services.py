"""Write-side rules of quizzes: starting, answering and grading attempts, and keeping each
section's question bank in step with content/."""

from __future__ import annotations

import math
import secrets
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from eupsite.district_time import datetime_text
from eupsite.parsing import number_from_request
from training.models import SectionPage

from .models import QUESTION_TYPES, Attempt, AttemptQuestion, Choice, Question, Quiz

# Messages a learner may read; tests assert on them.
SLIDES_NOT_READ = "Read every slide of this section before you take its quiz."
SECTION_LOCKED = "Pass the quiz of the section before this one first."
SECTION_RETIRED = "This section is no longer part of the course."
ALREADY_PASSED = "You have passed this quiz."
NO_ATTEMPTS_LEFT = (
    "You have used all {allowed} attempts at this quiz. Ask your administrator to allow "
    "another attempt."
)
WAIT_BEFORE_RETRY = "You can try this quiz again from {when}. Review the section meanwhile."
ANSWER_MISSING = "Answer this question."
ANSWER_ONE_ONLY = "Choose one answer."
ANSWER_UNKNOWN_CHOICE = "That answer is not one of this question's choices."
QUESTION_NOT_IN_ATTEMPT = "The form held an answer to a question that is not in this attempt."

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
    from staff.selectors import learner_cycle_start
    from training.selectors import learner_section_entry

    if entry is None:
        entry = learner_section_entry(section=quiz.section, user=user)
    if entry is None:
        raise QuizUnavailable(SECTION_RETIRED)
    if not entry.is_open:
        raise QuizUnavailable(SECTION_LOCKED)
    if not entry.all_slides_read:
        raise QuizUnavailable(SLIDES_NOT_READ)
    if entry.quiz_passed:
        raise QuizUnavailable(ALREADY_PASSED)

    # Only this training cycle's attempts count towards its limits.
    since = learner_cycle_start(user=user)
    this_cycle = Attempt.objects.filter(user=user, quiz=quiz)
    if since is not None:
        this_cycle = this_cycle.filter(started_at__gte=since)
    open_attempt = this_cycle.filter(submitted_at__isnull=True).first()
    if open_attempt:
        return open_attempt
    # Two tabs or a double click arrive together: lock the learner's row so the second waits,
    # then finds the attempt the first one opened (the unique attempt number cannot catch it,
    # since the second would count the first attempt and take the next number).
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        open_attempt = this_cycle.filter(submitted_at__isnull=True).first()
        return open_attempt or _attempt_new(user=user, quiz=quiz, this_cycle=this_cycle)


def _attempt_new(*, user, quiz: Quiz, this_cycle) -> Attempt:
    submitted = this_cycle.filter(submitted_at__isnull=False)
    count = submitted.count()
    if quiz.max_attempts is not None and count >= quiz.max_attempts:
        raise QuizUnavailable(NO_ATTEMPTS_LEFT.format(allowed=quiz.max_attempts))
    if quiz.wait_between_attempts and count:
        last = submitted.order_by("-submitted_at").first()
        ready_at = last.submitted_at + quiz.wait_between_attempts
        if timezone.now() < ready_at:
            raise QuizUnavailable(WAIT_BEFORE_RETRY.format(when=datetime_text(ready_at)))

    questions = _draw_questions(quiz)
    attempt = Attempt.objects.create(
        user=user,
        quiz=quiz,
        number=Attempt.objects.filter(user=user, quiz=quiz).count() + 1,
        question_count=len(questions),
        pass_mark=quiz.pass_mark,
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


def _draw_questions(quiz: Quiz) -> list[Question]:
    bank = list(
        quiz.questions.filter(is_active=True)
        .order_by("sort_order", "pk")
        .prefetch_related("choices")
    )
    if not bank:
        raise QuizUnavailable("This quiz has no questions yet. Tell your administrator.")
    size = min(quiz.questions_per_attempt or len(bank), len(bank))
    if size < len(bank):
        drawn = _random.sample(bank, size)
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
        "type": question.type_key,
        "prompt": question.prompt,
        "choices": choices,
        "explanation": question.explanation,
        "source": {"document": question.source_document_id, "passage": question.source_passage},
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
            errors[None] = QUESTION_NOT_IN_ATTEMPT
    answers = {}
    for item in items:
        key = f"q{item.position}"
        values = data.getlist(key) if hasattr(data, "getlist") else data.get(key, [])
        shown_ids = item.choice_ids
        places = {number_from_request(v) for v in values}
        if None in places:
            errors[item.position] = ANSWER_UNKNOWN_CHOICE
            continue
        if not places:
            errors[item.position] = ANSWER_MISSING
        elif not all(1 <= place <= len(shown_ids) for place in places):
            errors[item.position] = ANSWER_UNKNOWN_CHOICE
        elif len(places) > 1 and not item.allows_several_answers:
            errors[item.position] = ANSWER_ONE_ONLY
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
            .filter(pk=attempt_id, user=user)
            .first()
        )
        if attempt is None:
            raise Attempt.DoesNotExist
        if attempt.is_submitted:
            return attempt
        items = list(attempt.items.order_by("position"))
        answers = parse_answers(items=items, data=data)
        questions = {
            q.pk: q for q in Question.objects.filter(pk__in=[i.question_id for i in items])
        }
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
    return attempt


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
}


def question_as_dict(question: Question) -> dict:
    """A question as the plain data of a content file (the shape read_questions returns)."""
    data: dict = {"type": question.type_key}
    if question.type_key == "scenario":
        data["scenario"] = question.scenario
    data["prompt"] = question.prompt
    choices = list(question.choices.all())
    if question.type_key == "true_false":
        data["answer"] = any(c.is_correct and c.text == "True" for c in choices)
    else:
        data["choices"] = [{"text": c.text, "correct": c.is_correct} for c in choices]
    data["explanation"] = question.explanation
    data["source"] = {"document": question.source_document_id, "passage": question.source_passage}
    return data


def quiz_settings_as_dict(quiz: Quiz) -> dict:
    """The quiz's settings that differ from the defaults (content files list only those)."""
    values = {
        "pass_mark": quiz.pass_mark,
        "questions_per_attempt": quiz.questions_per_attempt,
        "shuffle": quiz.shuffle,
        "max_attempts": quiz.max_attempts,
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
        minutes = wanted_settings["wait_minutes"]
        quiz.wait_between_attempts = timedelta(minutes=minutes) if minutes else None
        quiz.full_clean()
        quiz.save()
        changed = True

    current = list(
        quiz.questions.filter(is_active=True)
        .order_by("sort_order", "pk")
        .prefetch_related("choices")
    )
    for position, spec in enumerate(questions, start=1):
        existing = current[position - 1] if position <= len(current) else None
        if existing is not None and existing.type_key == spec["type"]:
            if question_as_dict(existing) == spec and existing.sort_order == position:
                continue
            _question_update(existing, spec, position)
        else:
            if existing is not None:
                _question_retire(existing)
            _question_create(quiz, spec, position)
        changed = True
    for extra in current[len(questions) :]:
        _question_retire(extra)
        changed = True
    return changed


def _question_fields(spec: dict, position: int) -> dict:
    fields = {
        "sort_order": position,
        "prompt": spec["prompt"],
        "explanation": spec["explanation"],
        "source_document_id": spec["source"]["document"],
        "source_passage": spec["source"]["passage"],
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


def _question_retire(question: Question) -> None:
    question.is_active = False
    question.save(update_fields=["is_active"])
