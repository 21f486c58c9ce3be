import json

import pytest
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


def test_quiz_settings_default_to_the_policy_of_the_product(course, sections):
    quiz = Quiz.objects.get(section=sections[0])
    assert (quiz.pass_mark, quiz.questions_per_attempt, quiz.shuffle, quiz.max_attempts) == (
        80,
        None,
        True,
        None,
    )
    assert quiz.wait_between_attempts is None


def test_each_question_cites_a_document_that_a_slide_of_its_section_cites(course_spec):
    for section in course_spec.sections:
        slide_documents = {s["source"]["document"] for s in section.slides}
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
    starts = [i for i, line in enumerate(lines) if line.startswith("- type: ") and i > 0]
    questions_at = lines.index("questions:")
    last_question = max(i for i in starts if i > questions_at)
    path.write_text("\n".join(lines[:last_question]) + "\n", encoding="utf-8")
    before = Question.objects.count()

    report = course_load(spec=read_course(content_copy))

    assert Question.objects.count() == before
    assert Question.objects.filter(is_active=False).count() == 1
    assert report.updated


def test_quiz_settings_in_the_file_are_loaded_and_exported(db, content_copy):
    _edit_first_section(
        content_copy, "questions:\n", "quiz:\n  pass_mark: 90\n  max_attempts: 3\nquestions:\n"
    )
    spec = read_course(content_copy)
    course_load(spec=spec)
    quiz = Quiz.objects.order_by("section__path").first()
    assert (quiz.pass_mark, quiz.max_attempts) == (90, 3)
    from training.services import course_export

    assert course_export().sections[0].quiz == {"pass_mark": 90, "max_attempts": 3}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("correct: true", "correct: false", "exactly one correct choice"),
        ("- type: single_choice", "- type: essay", 'unknown question type "essay"'),
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
