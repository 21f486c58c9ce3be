import pytest
from django.contrib.auth import get_user_model

from quizzes.models import Question, ScenarioQuestion, TrueFalseQuestion


@pytest.fixture
def admin_client(client, db):
    admin = get_user_model().objects.create_superuser("boss@school.example", password="pw")
    client.force_login(admin)
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
