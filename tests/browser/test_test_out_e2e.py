"""A returning teacher tests out of five sections, reads and passes the other two, and
signs: the journey the test-out exists for."""

import re

from playwright.sync_api import expect

from certificates.models import Acknowledgement
from quizzes.models import Attempt
from training.models import SectionPage

from .conftest import serious_axe_violations, sign_in_as_the_demo_learner
from .test_quiz_e2e import read_the_section_and_pass_its_quiz, wanted_answers

MISSED = {3, 6}  # the sections (1-based) the teacher gets a question wrong in


def test_a_returning_teacher_tests_out_reads_two_sections_and_signs(page, live_server, live_course):
    sign_in_as_the_demo_learner(page, live_server.url)

    page.get_by_role("link", name="Test out of what you know").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test out of what you know")
    assert serious_axe_violations(page) == []
    page.get_by_role("button", name="Start the test-out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test-out")
    assert page.locator("fieldset").count() == 28
    assert serious_axe_violations(page) == []

    attempts = sorted(Attempt.objects.filter(kind="test_out"), key=lambda a: a.quiz.section.path)
    for place, attempt in enumerate(attempts, start=1):
        for name, values in wanted_answers(attempt, right=place not in MISSED).items():
            for value in values:
                page.check(f"input[name=a{place}-{name}][value='{value}']")
    page.get_by_role("button", name="Submit the test-out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your test-out result")
    expect(page.get_by_text("Passed (5 sections)")).to_be_visible()
    expect(page.get_by_text("To read (2 sections)")).to_be_visible()

    sections = list(SectionPage.objects.order_by("path"))
    for place in sorted(MISSED):
        section = sections[place - 1]
        if place == min(MISSED):
            page.get_by_role("link", name=f"Read “{section.title}”").click()
        else:
            page.get_by_role("link", name=re.compile("^Next section")).click()
        expect(page.locator(".player__title")).to_have_text(section.title)
        source = page.locator(".slide__source a").first
        assert "/policies/" in source.get_attribute("href")
        read_the_section_and_pass_its_quiz(page, section)

    # The last section read was the last one missing: the next step is the signature.
    page.get_by_role("link", name="Sign the acknowledgement").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("Acknowledgement"))).to_be_visible()
    policy = page.get_by_role("link", name="Waterbury Public Schools Data Privacy page")
    expect(policy).to_be_visible()
    page.fill("#id_typed_name", "María O'Neil-Núñez")
    page.check("#id_confirm")
    page.get_by_role("button", name="Sign and complete my training").click()
    expect(page.get_by_text("Your training is complete.")).to_be_visible()
    assert Acknowledgement.objects.count() == 1
    assert Attempt.objects.filter(kind="quiz").count() == 2
