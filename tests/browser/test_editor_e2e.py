"""The district's training coordinator (the demo editor: Editors group, not a superuser) does
their work in the browser: edits a slide and publishes it, and a learner signed in elsewhere
reads the new text; adds a question of each type to a quiz with the quiz chooser and finds it
in the question bank in course order; changes a quiz's settings. The page fixture fails the
test on any CSP violation, console error or request leaving the site, and runs axe on every
admin page the editor opened."""

import pytest
from playwright.sync_api import expect

from quizzes.models import Question, Quiz
from tests.browser.conftest import watch_context
from tests.browser.test_admin_menus_e2e import sign_in
from training.models import CoursePage, SectionPage

DECK_TITLE = "Waterbury Public Schools Electronic Use Policies"
CITY_POLICY_TITLE = "City of Waterbury Electronic Mail Use Policy"
NEW_HEADING = "What the Electronic Use Policies cover, in one slide"


def course_sections() -> list[SectionPage]:
    return list(SectionPage.objects.child_of(CoursePage.objects.get()).order_by("path"))


@pytest.mark.usefixtures("demo_site")
def test_an_editor_publishes_a_slide_and_a_learner_reads_it(page, live_server, browser):
    sections = course_sections()
    sign_in(page, live_server, "editor")
    page.get_by_role("button", name="Pages").click()
    page.get_by_role("link", name="Electronic Use Policies", exact=True).first.click()
    # The sections in course order, whatever was edited last.
    rows = page.locator("[data-w-orderable-item-label]")
    expect(rows).to_have_count(len(sections))
    labels = rows.evaluate_all("rows => rows.map(row => row.dataset.wOrderableItemLabel)")
    assert labels == [section.title for section in sections]

    page.get_by_role("link", name=sections[0].title, exact=True).click()
    page.locator("#body-0-value-heading").fill(NEW_HEADING)
    # The slide's source is chosen among the documents' titles, not typed as a file name.
    source = page.locator("#body-0-value-source-document")
    expect(source.locator("option:checked")).to_have_text(DECK_TITLE)
    source.select_option(label=CITY_POLICY_TITLE)
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(f"Page '{sections[0].title}' has been published.")).to_be_visible()

    section = SectionPage.objects.get(pk=sections[0].pk)
    assert section.body[0].value["heading"] == NEW_HEADING
    assert section.body[0].value["source"]["document"] == "001_3d82039fd6e6b106.txt"
    assert section.live and not section.has_unpublished_changes

    learner_context = browser.new_context()
    learner_problems = watch_context(learner_context)
    learner = learner_context.new_page()
    sign_in(learner, live_server, "learner")
    learner.get_by_role("link", name=sections[0].title).click()
    expect(learner.get_by_role("heading", name=NEW_HEADING)).to_be_visible()
    expect(learner.get_by_text(f"Source: {CITY_POLICY_TITLE}")).to_be_visible()
    learner_context.close()
    assert learner_problems.problems == []


def choose_quiz(page, title: str):
    page.get_by_role("button", name="Choose quiz").click()
    page.locator(".modal").get_by_role("link", name=title).click()
    expect(page.locator(".modal")).to_be_hidden()


def fill_explanation_and_source(page):
    page.get_by_role("textbox", name="Explanation*").fill(
        "Your password is yours alone: you answer for everything done with it."
    )
    page.get_by_role("combobox", name="Source document*").select_option(label=DECK_TITLE)
    page.get_by_role("textbox", name="Passage*").fill('Slide "Passwords"')


QUESTIONS = [
    # (listing, add button, prompt, [(choice, correct)], scenario)
    (
        "Single-choice questions",
        "Add single-choice question",
        "Who may know your district password?",
        [("Only you", True), ("Your substitute", False), ("Your whole team", False)],
        None,
    ),
    (
        "Multiple-response questions",
        "Add multiple-response question",
        "Which of these protect your account? Select all that apply.",
        [("Locking your screen", True), ("A strong password", True), ("A sticky note", False)],
        None,
    ),
    (
        "True / false questions",
        "Add true / false question",
        "You may lend your district password to a substitute for one day.",
        [("True", False), ("False", True)],
        None,
    ),
    (
        "Scenario questions",
        "Add scenario question",
        "What do you do?",
        [("Tell the IT help desk", True), ("Reply with the password", False)],
        "An e-mail that looks like it comes from IT asks for your password.",
    ),
]


@pytest.mark.usefixtures("demo_site")
def test_an_editor_adds_each_type_of_question_with_the_quiz_chooser_and_edits_a_quiz(
    page, live_server
):
    email_quiz = Quiz.objects.get(section__slug="email")
    sign_in(page, live_server, "editor")
    for order, (listing, add, prompt, choices, scenario) in enumerate(QUESTIONS, start=90):
        page.get_by_role("button", name="Quizzes").click()
        page.get_by_role("link", name=listing).click()
        page.get_by_role("link", name=add).click()
        choose_quiz(page, "Quiz: E-mail")
        page.get_by_role("spinbutton", name="Order*").fill(str(order))
        if scenario:
            page.get_by_role("textbox", name="Scenario*").fill(scenario)
        page.get_by_role("textbox", name="Question*").fill(prompt)
        for n, (text, correct) in enumerate(choices):
            if page.locator(f"#id_choices-{n}-text").count() == 0:
                page.get_by_role("button", name="Add Choice").click()
            field = page.locator(f"#id_choices-{n}-text")
            if listing.startswith("True"):
                expect(field).to_have_value(text)  # offered as grading spells them
            field.fill(text)
            if correct:
                page.locator(f"#id_choices-{n}-is_correct").check()
        fill_explanation_and_source(page)
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("created.")).to_be_visible()

        question = email_quiz.questions.get(sort_order=order)
        assert question.prompt == prompt
        assert question.source_document_id == "002_dd222be6dbbd2414.txt"
        assert [(c.text, c.is_correct) for c in question.choices.all()] == choices

    # The question bank, section after section in course order: the new questions close the
    # E-mail quiz and come before the next section's first question.
    page.get_by_role("button", name="Quizzes").click()
    page.get_by_role("link", name="All questions").click()
    expected = [
        " ".join(q.prompt.split())
        for q in Question.objects.order_by("quiz__section__path", "sort_order", "pk")
    ]
    titles = page.locator("tbody td.title a")
    expect(titles).to_have_count(len(expected))
    shown = [" ".join(text.split()) for text in titles.all_inner_texts()]
    assert shown == expected
    before = Question.objects.filter(quiz__section__path__lt=email_quiz.section.path).count()
    email_block = shown[before : before + email_quiz.questions.count()]
    assert email_block[-len(QUESTIONS) :] == [prompt for _, _, prompt, _, _ in QUESTIONS]

    page.get_by_role("button", name="Quizzes").click()
    page.get_by_role("link", name="Quiz settings").click()
    page.get_by_role("link", name="E-mail", exact=True).click()
    page.get_by_role("spinbutton", name="Pass mark (%)*").fill("90")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("updated.")).to_be_visible()
    email_quiz.refresh_from_db()
    assert email_quiz.pass_mark == 90
