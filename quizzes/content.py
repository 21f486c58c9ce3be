"""The questions part of a section file in content/sections/ (see training/content.py)."""

from __future__ import annotations

import re
from typing import Any

# question type -> keys besides type, explanation and source: {key: required}
QUESTION_FIELDS: dict[str, dict[str, bool]] = {
    "single_choice": {"prompt": True, "choices": True},
    "multiple_response": {"prompt": True, "choices": True},
    "true_false": {"prompt": True, "answer": True},
    "scenario": {"scenario": True, "prompt": True, "choices": True},
}

# A question's stable key: what keeps its identity (and its past attempts) when others are
# inserted before it or its wording is edited.
QUESTION_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# The bank holds at least this many times the questions an attempt draws, so retries differ.
BANK_PER_DRAWN = 3

# Answers that test reading tricks rather than the policy are not allowed in this course.
_CATCH_ALL_CHOICE = re.compile(r"\b(all|none) of the above\b", re.IGNORECASE)


def read_questions(reader, items: list, *, documents: set[str]) -> list[dict]:
    from training.content import read_source

    questions = []
    for i, item in enumerate(items):
        path = f"questions[{i}]"
        if not isinstance(item, dict) or "type" not in item:
            reader.fail('each question is a mapping that starts with "type"', path=path)
        kind = item["type"]
        if not isinstance(kind, str) or kind not in QUESTION_FIELDS:
            reader.fail(
                f'unknown question type "{kind}"; use one of: {", ".join(QUESTION_FIELDS)}',
                container=item,
                key="type",
                path=f"{path}.type",
            )
        fields = QUESTION_FIELDS[kind]
        keys = {"id", "type", "explanation", "source", *fields}
        if "id" not in item:
            reader.fail(
                'missing required key "id": give the question a stable key, e.g. '
                '"id: email-forward-student-records"',
                container=item,
                path=path,
            )
        reader.mapping(item, path=path, allowed={*keys, "tags"}, required=keys)
        key = item["id"]
        if not isinstance(key, str) or not QUESTION_KEY.fullmatch(key) or len(key) > 100:
            reader.fail(
                "the id is lower-case letters and digits joined by hyphens, at most 100 "
                f"characters, e.g. email-forward-student-records; found {key!r}",
                container=item,
                key="id",
                path=f"{path}.id",
            )
        question: dict[str, Any] = {"id": key, "type": kind}
        if "tags" in item:
            tags = item["tags"]
            if not isinstance(tags, list) or not all(
                isinstance(t, str) and QUESTION_KEY.fullmatch(t) for t in tags
            ):
                reader.fail(
                    "tags are a list of lower-case words joined by hyphens",
                    container=item,
                    key="tags",
                    path=f"{path}.tags",
                )
            question["tags"] = list(tags)
        if "scenario" in fields:
            question["scenario"] = reader.text(item, "scenario", path=path)
        question["prompt"] = reader.text(item, "prompt", path=path)
        if "answer" in fields:
            question["answer"] = reader.boolean(item, "answer", path=path)
        if "choices" in fields:
            question["choices"] = _read_choices(reader, item, kind=kind, path=path)
        question["explanation"] = reader.text(item, "explanation", path=path)
        question["source"] = read_source(reader, item, path=path, documents=documents)
        questions.append(question)
    return questions


def check_question_keys(reader, items: list, questions: list[dict], *, seen: dict) -> None:
    """No two questions of the course share a key. `seen` maps each key met so far (in this
    and earlier files) to where it was."""
    for i, question in enumerate(questions):
        where = f"questions[{i}]"
        if question["id"] in seen:
            reader.fail(
                f'the id "{question["id"]}" is used by {seen[question["id"]]} too; '
                "each question needs its own",
                container=items[i],
                key="id",
                path=f"{where}.id",
            )
        seen[question["id"]] = f"{reader.path.name} {where}"


def check_bank_size(reader, data, *, settings: dict, questions: list[dict]) -> None:
    """The bank holds at least BANK_PER_DRAWN times the questions each attempt draws."""
    if not questions:
        return
    drawn = settings.get("questions_per_attempt")
    container = data.get("quiz") if isinstance(data.get("quiz"), dict) else data
    if drawn is None:
        reader.fail(
            "set quiz.questions_per_attempt: an attempt draws some questions from a bank "
            f"{BANK_PER_DRAWN} times as large, so a retry asks different ones",
            container=container,
            key="questions_per_attempt",
            path="quiz.questions_per_attempt",
        )
    if len(questions) < BANK_PER_DRAWN * drawn:
        reader.fail(
            f"the bank has {len(questions)} questions but an attempt draws {drawn}: add "
            f"{BANK_PER_DRAWN * drawn - len(questions)} more or draw fewer (the bank needs at "
            f"least {BANK_PER_DRAWN} times the questions drawn)",
            container=container,
            key="questions_per_attempt",
            path="quiz.questions_per_attempt",
        )


def _read_choices(reader, item, *, kind: str, path: str) -> list[dict]:
    choices = []
    for j, choice in enumerate(reader.items(item, "choices", path=path, minimum=2)):
        where = f"{path}.choices[{j}]"
        choice = reader.mapping(
            choice, path=where, allowed={"text", "correct"}, required={"text", "correct"}
        )
        text = reader.text(choice, "text", path=where)
        if _CATCH_ALL_CHOICE.search(text):
            reader.fail(
                '"all of the above" and "none of the above" are not allowed: '
                "write a multiple-response question instead",
                container=choice,
                key="text",
                path=f"{where}.text",
            )
        choices.append({"text": text, "correct": reader.boolean(choice, "correct", path=where)})
    correct = sum(c["correct"] for c in choices)
    texts = [c["text"].casefold() for c in choices]
    if len(set(texts)) != len(texts):
        reader.fail(
            "two choices have the same text", container=item, key="choices", path=f"{path}.choices"
        )
    if kind == "multiple_response":
        if correct < 1 or correct == len(choices):
            reader.fail(
                "a multiple-response question needs at least one correct and one wrong choice",
                container=item,
                key="choices",
                path=f"{path}.choices",
            )
    elif correct != 1:
        reader.fail(
            f"a {kind.replace('_', ' ')} question needs exactly one correct choice, "
            f"found {correct}",
            container=item,
            key="choices",
            path=f"{path}.choices",
        )
    return choices


def read_quiz_settings(reader, value: Any) -> dict:
    """The optional `quiz:` mapping of a section file: only the settings that differ from the
    defaults (pass mark 80 %, all questions, shuffled, unlimited attempts, no wait)."""
    from .services import QUIZ_DEFAULTS

    settings = reader.mapping(value, path="quiz", allowed=set(QUIZ_DEFAULTS), required=set())
    result = {}
    limits = {
        "pass_mark": (1, 100, False),
        "questions_per_attempt": (1, 1000, True),
        "max_attempts": (1, 1000, True),
        "wait_minutes": (1, 60 * 24 * 30, True),
    }
    for key, item in settings.items():
        if key in ("shuffle", "review_shows_answers"):
            item = reader.boolean(settings, key, path="quiz")
        else:
            low, high, nullable = limits[key]
            ok = (item is None and nullable) or (
                isinstance(item, int) and not isinstance(item, bool) and low <= item <= high
            )
            if not ok:
                empty = " or nothing (no limit)" if nullable else ""
                reader.fail(
                    f"expected a whole number from {low} to {high}{empty}",
                    container=settings,
                    key=key,
                    path=f"quiz.{key}",
                )
        if item != QUIZ_DEFAULTS[key]:
            result[key] = item
    return result


def read_section_quiz(
    reader, data, *, documents: set[str], question_keys: dict[str, str]
) -> tuple[dict, list[dict]]:
    """(quiz settings, questions) of one section file's "quiz" and "questions", checked: each
    question's key is unique in the course (`question_keys` collects them across sections)
    and the bank is big enough for what an attempt draws."""
    questions = []
    if "questions" in data:
        items = reader.items(data, "questions", path="")
        questions = read_questions(reader, items, documents=documents)
        check_question_keys(reader, items, questions, seen=question_keys)
    quiz = read_quiz_settings(reader, data["quiz"]) if "quiz" in data else {}
    check_bank_size(reader, data, settings=quiz, questions=questions)
    return quiz, questions
