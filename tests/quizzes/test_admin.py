import pytest
from django.contrib.auth import get_user_model

from quizzes.models import Question, ScenarioQuestion, TrueFalseQuestion
from tests.helpers import login_verified


@pytest.fixture
def admin_client(client, db):
    admin = get_user_model().objects.create_superuser("boss@school.example", password="pw")
    login_verified(client, admin)
    return client


def test_one_listing_shows_questions_of_every_type_linking_to_their_own_form(admin_client, course):
    response = admin_client.get("/admin/quizzes/all-questions/?p=1")
    assert response.status_code == 200
    html = response.content.decode()
    scenario = ScenarioQuestion.objects.first()
    assert f"/admin/snippets/quizzes/scenarioquestion/edit/{scenario.pk}/" in html
    assert "scenario question" in html


@pytest.mark.parametrize(
    "model_name",
    ["singlechoicequestion", "multipleresponsequestion", "truefalsequestion", "scenarioquestion"],
)
def test_each_question_type_has_its_own_form(admin_client, course, model_name):
    question = next(q for q in Question.objects.all() if type(q).__name__.lower() == model_name)
    response = admin_client.get(f"/admin/snippets/quizzes/{model_name}/edit/{question.pk}/")
    assert response.status_code == 200
    assert question.prompt[:30].replace("'", "&#x27;") in response.content.decode()


def test_quiz_settings_are_edited_in_the_admin(admin_client, course):
    question = TrueFalseQuestion.objects.first()
    response = admin_client.get(f"/admin/snippets/quizzes/quiz/edit/{question.quiz_id}/")
    assert response.status_code == 200
    assert b"Pass mark" in response.content


def _choice_formset(prefix_total, rows):
    data = {
        "choices-TOTAL_FORMS": str(len(rows)),
        "choices-INITIAL_FORMS": "0",
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "1000",
    }
    for n, (text, correct) in enumerate(rows):
        data[f"choices-{n}-text"] = text
        data[f"choices-{n}-ORDER"] = str(n + 1)
        if correct:
            data[f"choices-{n}-is_correct"] = "on"
    return data


@pytest.mark.parametrize(
    ("model_name", "rows", "accepted"),
    [
        ("singlechoicequestion", [("A", True), ("B", False)], True),
        ("singlechoicequestion", [("A", True), ("B", True)], False),
        ("singlechoicequestion", [("A", False), ("B", False)], False),
        ("multipleresponsequestion", [("A", True), ("B", True), ("C", False)], True),
        ("multipleresponsequestion", [("A", True), ("B", True)], False),
        ("truefalsequestion", [("True", False), ("False", True)], True),
        ("truefalsequestion", [("Yes", True), ("No", False)], False),
    ],
)
def test_the_admin_refuses_a_question_no_answer_can_get_right(
    admin_client, course, model_name, rows, accepted
):
    from quizzes.models import Quiz

    quiz = Quiz.objects.first()
    before = Question.objects.count()
    data = {
        "quiz": str(quiz.pk),
        "sort_order": "99",
        "is_active": "on",
        "prompt": "A new question?",
        "explanation": "Because.",
        "source_document": "002_dd222be6dbbd2414.txt",
        "source_passage": "Title slide",
        **_choice_formset(len(rows), rows),
    }
    response = admin_client.post(f"/admin/snippets/quizzes/{model_name}/add/", data)
    assert (Question.objects.count() == before + 1) is accepted, response.content[:3000]
