"""The district administrator reads the course's Spanish translation beside the English and
marks it reviewed; then a learner whose browser asks for Spanish goes from sign-in through every
section and its quiz to signing and the certificate, all in Spanish (interface and course), and
the records say Spanish and which translation was shown. The page watch fails on any CSP
violation or console error. Set SCREENSHOT_DIR to keep the pages and the certificate."""

import io
import os
import re
from pathlib import Path

from django.utils import translation
from playwright.sync_api import expect
from pypdf import PdfReader

from certificates.models import Acknowledgement, Certificate
from eupsite.demo import DEMO_ACCOUNTS, demo_accounts_ensure
from quizzes.models import Attempt
from training.models import CourseTranslation, SectionPage
from training.selectors import course_messages

from .conftest import (
    axe_check_admin_pages,
    pass_second_factor,
    serious_axe_violations,
    sign_in_as_the_demo_learner,
    watch_context,
)
from .test_quiz_e2e import wanted_answers

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def keep(page, name: str):
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"spanish-{name}.png"), full_page=True)


def es(text: str) -> str:
    with translation.override("es"):
        return translation.gettext(text)


def review_the_spanish_translation(browser, live_server):
    """The district administrator, in English, reads version 1 and marks it reviewed."""
    demo_accounts_ensure()
    account = next(a for a in DEMO_ACCOUNTS if a.role == "district administrator")
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-US")
    problems = watch_context(context)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Work e-mail or employee id").fill(account.username)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    pass_second_factor(page, account.username)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="Translations").click()
    page.get_by_role("link", name="Read and review").click()
    expect(
        page.get_by_role("cell", name="Políticas de Uso Electrónico", exact=True).first
    ).to_be_visible()
    keep(page, "translation-review")
    page.get_by_role("button", name="Mark version 1 reviewed").click()
    expect(page.get_by_text("shown to learners")).to_be_visible()
    axe_check_admin_pages(context, problems)
    assert problems.problems == [], "\n".join(problems.problems)
    context.close()
    assert CourseTranslation.objects.get().reviewer_name == "Ada Admin"


def test_a_spanish_reader_signs_in_takes_the_training_and_gets_a_spanish_certificate(
    browser, live_server, live_course
):
    review_the_spanish_translation(browser, live_server)
    spanish = course_messages(language="es")
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="es-MX")
    problems = watch_context(context)
    page = context.new_page()
    page.set_default_timeout(15_000)

    sign_in_as_the_demo_learner(page, live_server.url)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert es("Sections") != "Sections"
    expect(page.get_by_role("heading", level=2, name=es("Sections"))).to_be_visible()
    assert serious_axe_violations(page) == []
    keep(page, "course")

    sections = list(SectionPage.objects.order_by("path"))
    expect(page.get_by_role("heading", level=1)).to_have_text(spanish["Electronic Use Policies"])
    page.get_by_role("link", name=spanish[sections[0].title]).first.click()
    for section in sections:
        expect(page.locator(".player__title")).to_have_text(spanish[section.title])
        expect(page.locator(".slide__heading")).to_have_text(
            spanish[section.body[0].value["heading"]]
        )
        if section is sections[0]:
            # A rule slide: the policy's own words in English, marked so, the translation below.
            expect(page.locator('blockquote[lang="en"]')).to_be_visible()
            expect(page.locator(".policy-quote__translation")).to_be_visible()
            assert serious_axe_violations(page) == []
            keep(page, "slide")
        for _ in range(section.slide_count - 1):
            page.locator('.player__nav [data-key="ArrowRight"]').click()
        page.get_by_role("link", name=es("Take the quiz")).click()
        attempt = Attempt.objects.filter(quiz__section=section, submitted_at__isnull=True).latest(
            "pk"
        )
        for name, values in wanted_answers(attempt, right=True).items():
            for value in values:
                page.check(f"input[name={name}][value='{value}']")
        if section is sections[0]:
            assert serious_axe_violations(page) == []
            keep(page, "quiz")
        page.get_by_role("button", name=es("Submit my answers")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(es("You passed"))
        if section is sections[0]:
            assert serious_axe_violations(page) == []
            keep(page, "result")
        if section is not sections[-1]:
            next_section = es("Next section: %(title)s").split("%(title)s")[0]
            page.get_by_role("link", name=re.compile("^" + re.escape(next_section))).click()

    page.get_by_role("link", name=es("Sign the acknowledgement")).click()
    assert serious_axe_violations(page) == []
    keep(page, "acknowledgement")
    # The English text, which governs, is one click away.
    english = page.locator(".acknowledgement__english")
    expect(english.locator('div[lang="en"]')).to_be_hidden()
    english.locator("summary").click()
    expect(english.locator('div[lang="en"] h3')).to_be_visible()
    # A policy the acknowledgement lists, in Spanish with each English block beneath.
    link = page.get_by_role("link", name="City of Waterbury Electronic Mail Use Policy")
    policy = context.new_page()
    policy.goto(live_server.url + link.get_attribute("href"))
    policy.wait_for_load_state()
    expect(policy.locator(".policy__original").first).to_be_visible()
    assert serious_axe_violations(policy) == []
    keep(policy, "policy")
    policy.close()
    page.fill("#id_typed_name", "María O'Neil-Núñez")
    page.check("#id_confirm")
    page.get_by_role("button", name=es("Sign and complete my training")).click()

    with page.expect_download() as download_info:
        page.get_by_role("link", name=es("Download the certificate (PDF)")).click()
    data = Path(download_info.value.path()).read_bytes()
    if SCREENSHOTS:
        (Path(SCREENSHOTS) / "spanish-certificate.pdf").write_bytes(data)
    pdf = PdfReader(io.BytesIO(data))
    text = " ".join(pdf.pages[0].extract_text().split())
    assert es("Certificate of Completion") != "Certificate of Completion"
    for label in ["Certificate of Completion", "This certifies that", "Completed on"]:
        assert es(label) in text, f"{es(label)!r} is not on the certificate: {text[:300]}"
    assert "María O'Neil-Núñez" in text
    assert spanish["Electronic Use Policies"] in text

    # What was shown is on the record.
    assert set(Attempt.objects.values_list("language", flat=True)) == {"es"}
    acknowledgement = Acknowledgement.objects.get()
    assert acknowledgement.language == "es"
    assert acknowledgement.translation == CourseTranslation.objects.get()

    page.goto(f"{live_server.url}/certificates/verify/")
    page.fill("#id_code", Certificate.objects.get().code)
    page.keyboard.press("Enter")
    with translation.override("es"):
        valid = translation.pgettext("certificate state", "Valid.")
    expect(page.get_by_text(valid)).to_be_visible()
    keep(page, "verify")
    assert serious_axe_violations(page) == []
    assert problems.problems == [], "\n".join(problems.problems)
    context.close()
