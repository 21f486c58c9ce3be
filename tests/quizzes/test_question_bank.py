import json

import pytest
from django.conf import settings
from django.core.management import call_command

from quizzes.models import (
    MultipleResponseQuestion,
    Question,
    Quiz,
    ScenarioQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
)
from training.content import ContentError, read_course
from training.services import course_load


def test_every_section_has_a_quiz_of_at_least_five_questions(course, sections):
    total = 0
    for section in sections:
        count = Question.objects.filter(quiz__section=section, is_active=True).count()
        assert count >= 5, section.slug
        total += count
    assert total >= 35


def test_the_bank_uses_every_question_type(course):
    for model in (SingleChoiceQuestion, MultipleResponseQuestion, TrueFalseQuestion):
        assert model.objects.exists()
    assert ScenarioQuestion.objects.count() >= 5
    # One query over the base model returns each question as its own type.
    types = {type(q) for q in Question.objects.all()}
    assert ScenarioQuestion in types and TrueFalseQuestion in types


def test_quiz_settings_are_the_policy_of_the_product(course, sections):
    quiz = Quiz.objects.get(section=sections[0])
    assert (quiz.pass_mark, quiz.questions_per_attempt, quiz.shuffle, quiz.max_attempts) == (
        80,
        5,
        True,
        None,
    )
    assert quiz.wait_between_attempts is None
    assert quiz.review_shows_answers is False


def test_each_question_cites_a_document_that_a_slide_of_its_section_cites(course_spec):
    for section in course_spec.sections:
        slide_documents = {
            source["document"]
            for slide in section.slides
            for source in (
                slide["source"] if isinstance(slide["source"], list) else [slide["source"]]
            )
        }
        for question in section.questions:
            assert question["source"]["document"] in slide_documents, (
                section.slug,
                question["prompt"],
            )
            assert question["explanation"]


def test_no_question_offers_all_or_none_of_the_above(course_spec):
    for section in course_spec.sections:
        for question in section.questions:
            for choice in question.get("choices", []):
                assert "of the above" not in choice["text"].lower()


def test_json_export_lists_questions_with_types_choices_and_correct_answers(course, tmp_path):
    target = tmp_path / "course.json"
    call_command("export_course", format="json", output=target, verbosity=0)
    data = json.loads(target.read_text(encoding="utf-8"))
    questions = [q for s in data["sections"] for q in s["questions"]]
    assert len(questions) >= 35
    assert {q["type"] for q in questions} == {
        "single_choice",
        "multiple_response",
        "true_false",
        "scenario",
    }
    choice_question = next(q for q in questions if q["type"] == "multiple_response")
    assert sum(c["correct"] for c in choice_question["choices"]) >= 1
    assert all(isinstance(q["answer"], bool) for q in questions if q["type"] == "true_false")


def _edit_first_section(content_dir, old, new):
    path = sorted((content_dir / "sections").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def content_copy(tmp_path, settings):
    import shutil

    target = tmp_path / "content"
    shutil.copytree(settings.COURSE_CONTENT_DIR, target)
    return target


def test_a_question_removed_from_the_file_is_retired_not_deleted(db, content_copy):
    course_load(spec=read_course(content_copy))
    path = sorted((content_copy / "sections").glob("*.yaml"))[0]
    lines = path.read_text(encoding="utf-8").split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("- id: ") and i > 0]
    questions_at = lines.index("questions:")
    last_question = max(i for i in starts if i > questions_at)
    path.write_text("\n".join(lines[:last_question]) + "\n", encoding="utf-8")
    before = Question.objects.count()
    keys = dict(Question.objects.values_list("pk", "key"))

    report = course_load(spec=read_course(content_copy))

    assert Question.objects.count() == before
    assert Question.objects.filter(is_active=False).count() == 1
    assert report.updated
    # Every other question is the same row with the same key: only the removed one changed.
    assert dict(Question.objects.values_list("pk", "key")) == keys


def test_inserting_a_question_leaves_the_others_as_they_were(db, content_copy):
    course_load(spec=read_course(content_copy))
    path = sorted((content_copy / "sections").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    first = text.index("- id: ", text.index("questions:"))
    second = text.index("- id: ", first + 1)
    inserted = text[first:second].replace("- id: ", "- id: inserted-", 1)
    path.write_text(text[:first] + inserted + text[first:], encoding="utf-8")
    rows = {q.key: (q.pk, q.prompt) for q in Question.objects.all()}

    course_load(spec=read_course(content_copy))

    after = {q.key: (q.pk, q.prompt) for q in Question.objects.all()}
    assert {key: after[key] for key in rows} == rows
    assert len(after) == len(rows) + 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("missing", 'missing required key "id"'),
        ("duplicate", "is used by"),
        ("too few", "the bank has 17 questions but an attempt draws 6"),
    ],
)
def test_load_course_refuses_a_bank_that_breaks_the_rules(content_copy, change, expected):
    path = sorted((content_copy / "sections").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    questions = text.index("questions:")
    first = text.index("- id: ", questions)
    second = text.index("- id: ", first + 1)
    if change == "missing":
        line_end = text.index("\n", first)
        text = text[:first] + "- " + text[line_end + 1 :].lstrip()
    elif change == "duplicate":
        first_key = text[first:].split("\n", 1)[0]
        text = text[:second] + first_key + text[text.index("\n", second) :]
    else:
        # One question fewer than three times a draw of 6.
        text = text.replace("questions_per_attempt: 5", "questions_per_attempt: 6")
        count = text.count("\n- id: ")
        assert count == 18
        text = text[:second] + text[text.index("\n- id: ", second + 1) + 1 :]
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=expected) as excinfo:
        read_course(content_copy)
    assert excinfo.value.path.endswith(path.name)
    assert "questions" in excinfo.value.key or "quiz" in excinfo.value.key


def test_quiz_settings_in_the_file_are_loaded_and_exported(db, content_copy):
    _edit_first_section(
        content_copy,
        "quiz:\n  questions_per_attempt: 5\n",
        "quiz:\n  pass_mark: 90\n  questions_per_attempt: 4\n  max_attempts: 3\n"
        "  review_shows_answers: true\n",
    )
    spec = read_course(content_copy)
    course_load(spec=spec)
    quiz = Quiz.objects.order_by("section__path").first()
    assert (quiz.pass_mark, quiz.questions_per_attempt, quiz.max_attempts) == (90, 4, 3)
    assert quiz.review_shows_answers
    from training.services import course_export

    assert course_export().sections[0].quiz == {
        "pass_mark": 90,
        "questions_per_attempt": 4,
        "max_attempts": 3,
        "review_shows_answers": True,
    }


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("correct: true", "correct: false", "exactly one correct choice"),
        ("  type: scenario", "  type: essay", 'unknown question type "essay"'),
        ("explanation:", "explanaton:", 'unknown key "explanaton"'),
    ],
)
def test_a_malformed_question_is_refused_with_its_place(content_copy, old, new, expected):
    _edit_first_section(content_copy, old, new)
    with pytest.raises(ContentError, match=expected) as excinfo:
        read_course(content_copy)
    assert excinfo.value.line is not None
    assert "questions[" in excinfo.value.key or "questions[" in str(excinfo.value)


def test_all_of_the_above_is_refused(content_copy):
    path = sorted((content_copy / "sections").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    marker = "  - text: "
    at = text.index(marker, text.index("questions:"))
    path.write_text(text[:at] + "  - text: All of the above\n    correct: false\n" + text[at:])
    with pytest.raises(ContentError, match="all of the above"):
        read_course(content_copy)


def test_json_export_gives_every_quiz_setting_with_the_number_drawn(course, tmp_path):
    target = tmp_path / "course.json"
    call_command("export_course", format="json", output=target, verbosity=0)
    data = json.loads(target.read_text(encoding="utf-8"))
    for section in data["sections"]:
        assert section["quiz"]["questions_per_attempt"] == 5
        assert section["quiz"]["review_shows_answers"] is False
        assert set(section["quiz"]) >= {"pass_mark", "shuffle", "max_attempts", "wait_minutes"}
        assert all(q["id"] for q in section["questions"])


def test_attempts_made_before_the_questions_had_keys_keep_their_records(
    learner_client, learner, course, sections
):
    from tests.helpers import answer_attempt, read_all_slides

    quiz = Quiz.objects.get(section=sections[0])
    # A question as the previous version of the product stored it: no key.
    legacy = quiz.questions.first()
    Question.objects.filter(pk=legacy.pk).update(key="")
    read_all_slides(learner, sections[0])
    learner_client.get(f"/quiz/section/{sections[0].pk}/")
    attempt = quiz.attempts.get()
    learner_client.post(f"/quiz/attempt/{attempt.pk}/submit/", answer_attempt(attempt))
    shown_before = list(attempt.items.values_list("question_id", "shown", "is_correct"))

    report = course_load(spec=read_course(settings.COURSE_CONTENT_DIR))

    assert report.updated
    legacy.refresh_from_db()
    assert not legacy.is_active  # retired, not deleted: the keyed question replaced it
    assert list(attempt.items.values_list("question_id", "shown", "is_correct")) == shown_before
    page = learner_client.get(f"/quiz/attempt/{attempt.pk}/")
    assert page.status_code == 200 and "You passed" in page.content.decode()
