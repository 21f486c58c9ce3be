import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.helpers import pass_section
from training.models import SectionPage, SectionProgress

from .conftest import serious_axe_violations, tab_to

PASSWORD = "a-browser-test-password"


@pytest.fixture
def learner_account(transactional_db):
    return get_user_model().objects.create_user(
        "keyboard@school.example", password=PASSWORD, first_name="Kim", last_name="Keyboard"
    )


def press_and_wait(page, key):
    """Press a key that follows a link, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def log_in_with_the_keyboard(page, base_url):
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    # The e-mail field has focus when the page opens; everything else is typed or tabbed.
    page.keyboard.type("keyboard@school.example")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Electronic Use Policies")


def test_a_learner_walks_a_section_with_the_keyboard_alone(
    page, live_server, live_course, learner_account
):
    log_in_with_the_keyboard(page, live_server.url)
    first = SectionPage.objects.order_by("path").first()

    tab_to(page, first.title)
    press_and_wait(page, "Enter")
    expect(page.locator("label[for=slide-progress]")).to_have_text(
        f"Slide 1 of {first.slide_count}"
    )
    expect(page.locator(".slide__source")).to_contain_text(re.compile(r"^Sources?: "))

    for number in range(2, first.slide_count + 1):
        tab_to(page, "Next")
        press_and_wait(page, "Enter")
        expect(page.locator("label[for=slide-progress]")).to_have_text(
            f"Slide {number} of {first.slide_count}"
        )

    # The arrow key goes back a slide too (an optional comfort on top of the links).
    press_and_wait(page, "ArrowLeft")
    expect(page.locator("label[for=slide-progress]")).to_contain_text(
        f"Slide {first.slide_count - 1} of"
    )
    press_and_wait(page, "ArrowRight")

    expect(page.get_by_role("link", name="Take the quiz")).to_be_visible()
    progress = SectionProgress.objects.get(user=learner_account, section=first)
    assert progress.furthest_slide == first.slide_count


def test_holding_the_arrow_key_down_turns_one_slide_only(
    page, live_server, live_course, learner_account
):
    log_in_with_the_keyboard(page, live_server.url)
    first = SectionPage.objects.order_by("path").first()
    page.goto(f"{live_server.url}{first.url}?slide=1")
    with page.expect_navigation():
        page.keyboard.down("ArrowRight")
    expect(page).to_have_url(re.compile(r"\?slide=2$"))
    # Still held: the browser sends the key again as a repeat, which must not turn the page.
    for _ in range(5):
        page.keyboard.down("ArrowRight")
    page.wait_for_timeout(500)
    page.keyboard.up("ArrowRight")
    expect(page).to_have_url(re.compile(r"\?slide=2$"))
    assert SectionProgress.objects.get(user=learner_account, section=first).furthest_slide == 2


def test_leaving_and_coming_back_resumes_at_the_last_slide(
    page, live_server, live_course, learner_account
):
    log_in_with_the_keyboard(page, live_server.url)
    sections = list(SectionPage.objects.order_by("path"))
    pass_section(learner_account, sections[0])
    pass_section(learner_account, sections[1])
    section = sections[2]
    for number in (1, 2, 3):
        page.goto(f"{live_server.url}{section.url}?slide={number}")
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name=section.title).click()
    expect(page).to_have_url(re.compile(r"\?slide=3$"))
    expect(page.locator("label[for=slide-progress]")).to_have_text(
        f"Slide 3 of {section.slide_count}"
    )


def test_lesson_course_and_login_pages_have_no_serious_accessibility_violations(
    page, live_server, live_course, learner_account
):
    page.goto(f"{live_server.url}/accounts/login/")
    assert serious_axe_violations(page) == []
    log_in_with_the_keyboard(page, live_server.url)
    assert serious_axe_violations(page) == []
    for section in SectionPage.objects.order_by("path"):
        for number in range(1, section.slide_count + 1):
            page.goto(f"{live_server.url}{section.url}?slide={number}")
        assert serious_axe_violations(page) == [], section.slug
        pass_section(learner_account, section)


def test_the_lesson_reads_well_on_a_phone(browser, live_server, live_course, learner_account):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    log_in_with_the_keyboard(page, live_server.url)
    section = SectionPage.objects.order_by("path").first()
    page.goto(f"{live_server.url}{section.url}?slide=1")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the slide scrolls sideways on a phone"
    expect(page.get_by_role("link", name=re.compile("Next"))).to_be_visible()
    context.close()
