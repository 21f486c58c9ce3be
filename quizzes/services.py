"""Write-side rules of quizzes: keeping each section's question bank in step with content/."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from training.models import SectionPage

from .models import QUESTION_TYPES, Choice, Question, Quiz

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
    data["source"] = {"document": question.source_document, "passage": question.source_passage}
    return data


def quiz_settings_as_dict(quiz: Quiz) -> dict:
    """The quiz's settings that differ from the defaults (content files list only those)."""
    values = {
        "pass_mark": quiz.pass_mark,
        "questions_per_attempt": quiz.questions_per_attempt,
        "shuffle": quiz.shuffle,
        "max_attempts": quiz.max_attempts,
        "wait_minutes": (
            int(quiz.wait_between_attempts.total_seconds() // 60)
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
        "source_document": spec["source"]["document"],
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
