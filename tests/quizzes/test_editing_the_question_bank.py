"""The question bank as the district's training coordinator (Editors group, not a superuser)
edits it: quizzes and questions listed and chosen in course order, a form per question type
with its source document chosen by title."""

import pytest
from django.contrib.auth.models import Group
from django.utils.html import escape

from quizzes.models import Question, Quiz, SingleChoiceQuestion
from staff.groups import EDITORS
from tests.conftest import make_user
from tests.helpers import login_verified
from tests.quizzes.test_admin import _choice_formset

DECK = "002_dd222be6dbbd2414.txt"
DECK_TITLE = "Waterbury Public Schools Electronic Use Policies"


@pytest.fixture
def editor_client(client, db):
    editor = make_user("coordinator@district.example")
    editor.groups.add(Group.objects.get(name=EDITORS))
    login_verified(client, editor)
    return client


@pytest.fixture
def reordered(course, sections):
    """The first section moved to the end: course order no longer follows creation order."""
    sections[0].move(course, pos="last-child")
    return [*sections[1:], sections[0]]


def in_order(html: str, texts: list[str]) -> bool:
    positions = [html.index(text) for text in texts]
    return positions == sorted(positions)


def test_the_quiz_chooser_and_quiz_settings_list_quizzes_in_course_order(editor_client, reordered):
    titles = [escape(f"Quiz: {section.title}") for section in reordered]
    chooser = editor_client.get("/admin/snippets/choose/quizzes/quiz/")
    assert chooser.status_code == 200
    assert in_order(chooser.json()["html"], titles)
    settings_page = editor_client.get("/admin/snippets/quizzes/quiz/").content.decode()
    assert in_order(settings_page, [escape(section.title) for section in reordered])


@pytest.mark.parametrize(
    ("listing", "model"),
    [
        ("/admin/quizzes/all-questions/", Question),
        ("/admin/snippets/quizzes/singlechoicequestion/", SingleChoiceQuestion),
    ],
)
def test_question_listings_follow_the_course_order(editor_client, reordered, listing, model):
    html = editor_client.get(listing).content.decode()
    rows = [
        model.objects.filter(quiz__section=section).order_by("sort_order", "pk")
        for section in reordered
    ]
    # The whole bank on one page, each quiz's questions in their order, quizzes in course order.
    edit_links = [f'/edit/{question.pk}/"' for questions in rows for question in questions]
    assert in_order(html, edit_links)


QUESTION_FORMS = {
    "singlechoicequestion": [("Lock the screen", True), ("Leave it open", False)],
    "multipleresponsequestion": [("Report it", True), ("Log out", True), ("Ignore it", False)],
    "truefalsequestion": [("True", True), ("False", False)],
    "scenarioquestion": [("Forward it to IT", True), ("Open the attachment", False)],
}


@pytest.mark.parametrize("model_name", list(QUESTION_FORMS))
def test_an_editor_adds_a_question_of_each_type_with_its_source_chosen_by_title(
    editor_client, course, model_name
):
    form = editor_client.get(f"/admin/snippets/quizzes/{model_name}/add/").content.decode()
    assert f'<option value="{DECK}">{DECK_TITLE}</option>' in form

    quiz = Quiz.objects.order_by("section__path").last()
    data = {
        "quiz": str(quiz.pk),
        "sort_order": "99",
        "is_active": "on",
        "scenario": "A message asks for your password.",
        "prompt": "What do you do?",
        "explanation": "The policy says so.",
        "source_document": DECK,
        "source_passage": "Title slide",
        **_choice_formset(None, QUESTION_FORMS[model_name]),
    }
    response = editor_client.post(f"/admin/snippets/quizzes/{model_name}/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    question = quiz.questions.get(sort_order=99)
    assert type(question).__name__.lower() == model_name
    assert question.source_document.title == DECK_TITLE
    assert question.source_document_id == DECK
    assert [(c.text, c.is_correct) for c in question.choices.all()] == QUESTION_FORMS[model_name]


def test_a_question_naming_an_unknown_source_document_is_refused_and_nothing_saved(
    editor_client, course
):
    before = Question.objects.count()
    data = {
        "quiz": str(Quiz.objects.first().pk),
        "sort_order": "99",
        "prompt": "What do you do?",
        "explanation": "The policy says so.",
        "source_document": "009_not_a_source.txt",
        "source_passage": "Title slide",
        **_choice_formset(None, QUESTION_FORMS["singlechoicequestion"]),
    }
    response = editor_client.post("/admin/snippets/quizzes/singlechoicequestion/add/", data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Question.objects.count() == before
