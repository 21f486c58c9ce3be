import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from quizzes.models import Attempt
from training.models import SectionPage
from training.services import progress_record_slide_view

from .conftest import serious_axe_violations, tab_to
from .test_lesson_player_e2e import PASSWORD, log_in_with_the_keyboard, press_and_wait


def answer_with_the_keyboard(page, wanted: dict[str, set[str]]):
    """Answer every question with Tab, Space and the arrow keys only, then submit with Enter.

    `wanted` maps each field name (q1, q2, …) to the choice values to select.
    """
    for _ in range(400):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "({tag: document.activeElement.tagName, type: document.activeElement.type,"
            " name: document.activeElement.name, value: document.activeElement.value,"
            " text: document.activeElement.innerText})"
        )
        if focused["type"] == "radio":
            target = next(iter(wanted[focused["name"]]))
            if focused["value"] == target:
                page.keyboard.press("Space")
            for _ in range(10):
                if page.evaluate("document.activeElement.value") == target:
                    break
                page.keyboard.press("ArrowDown")  # moves within the group and selects
        elif focused["type"] == "checkbox":
            if focused["value"] in wanted[focused["name"]]:
                page.keyboard.press("Space")
        elif focused["tag"] == "BUTTON" and "Submit my answers" in (focused["text"] or ""):
            press_and_wait(page, "Enter")
            return
    raise AssertionError("never reached the submit button")


def wanted_answers(attempt, *, right: bool) -> dict[str, set[str]]:
    wanted = {}
    for item in attempt.items.all():
        # Choices are named by their place in the list shown (1, 2, 3…).
        places = [str(n) for n in range(1, len(item.choice_ids) + 1)]
        correct = {p for p, i in zip(places, item.choice_ids, strict=True) if i in item.correct_ids}
        if right:
            wanted[f"q{item.position}"] = correct
        else:
            wanted[f"q{item.position}"] = {next(p for p in places if p not in correct)}
    return wanted


def walk_to_the_quiz(page, section):
    for _ in range(section.slide_count + 1):
        if page.get_by_role("link", name="Take the quiz").count():
            break
        tab_to(page, "Next")
        press_and_wait(page, "Enter")
    tab_to(page, "Take the quiz")
    press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Quiz: {section.title}")


def test_a_learner_fails_reviews_and_passes_a_quiz_with_the_keyboard_alone(
    page, live_server, live_course, transactional_db
):
    user = get_user_model().objects.create_user("keyboard@school.example", password=PASSWORD)
    first, second = SectionPage.objects.order_by("path")[:2]
    log_in_with_the_keyboard(page, live_server.url)
    tab_to(page, first.title)
    press_and_wait(page, "Enter")
    walk_to_the_quiz(page, first)
    assert serious_axe_violations(page) == []

    attempt = Attempt.objects.get(user=user, submitted_at__isnull=True)
    answer_with_the_keyboard(page, wanted_answers(attempt, right=False))
    expect(page.get_by_role("heading", level=1)).to_have_text("Not passed yet")
    expect(page.get_by_text("Your score: 0 %")).to_be_visible()
    # Which questions were wrong, with what the policy says, but not the right choices.
    expect(page.get_by_role("heading", name="What to review")).to_be_visible()
    expect(page.locator(".review__item--wrong")).to_have_count(attempt.question_count)
    expect(page.get_by_text("The right answer:")).to_have_count(0)
    assert serious_axe_violations(page) == []

    tab_to(page, "Review the section")
    press_and_wait(page, "Enter")
    expect(page).to_have_url(re.compile(r"\?slide=1$"))
    walk_to_the_quiz(page, first)

    retry = Attempt.objects.get(user=user, submitted_at__isnull=True)
    assert retry.number == 2
    answer_with_the_keyboard(page, wanted_answers(retry, right=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("You passed")
    assert serious_axe_violations(page) == []

    tab_to(page, f"Next section: {second.title}")
    press_and_wait(page, "Enter")
    expect(page.get_by_text("Section 2 of", exact=False)).to_be_visible()
    assert list(Attempt.objects.filter(user=user).values_list("passed", flat=True)) == [
        True,
        False,
    ]


def test_a_quiz_without_javascript_still_submits(browser, live_server, live_course):
    get_user_model().objects.create_user("nojs@school.example", password=PASSWORD)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "nojs@school.example")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    first = SectionPage.objects.order_by("path").first()
    user = get_user_model().objects.get(username="nojs@school.example")
    progress_record_slide_view(user=user, section=first, number=first.slide_count)
    page.goto(f"{live_server.url}/quiz/section/{first.pk}/")
    attempt = Attempt.objects.get(user=user)
    for name, values in wanted_answers(attempt, right=True).items():
        for value in values:
            page.check(f"input[name={name}][value='{value}']")
    page.click("text=Submit my answers")
    expect(page.get_by_role("heading", level=1)).to_have_text("You passed")
    context.close()


def read_the_section_and_pass_its_quiz(page, section):
    """From the section's first slide: Next through its slides, take the quiz, tick the right
    answers (read from the attempt the server recorded) and submit; the page says passed."""
    for _ in range(section.slide_count - 1):
        page.get_by_role("link", name=re.compile(r"^Next")).click()
    page.get_by_role("link", name="Take the quiz").click()
    attempt = Attempt.objects.filter(
        kind="quiz", quiz__section=section, submitted_at__isnull=True
    ).latest("pk")
    for name, values in wanted_answers(attempt, right=True).items():
        for value in values:
            page.check(f"input[name={name}][value='{value}']")
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You passed")
