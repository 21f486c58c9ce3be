import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from certificates.models import Certificate
from training.models import SectionPage

from .conftest import serious_axe_violations, sign_in_as_the_demo_learner
from .test_quiz_e2e import read_the_section_and_pass_its_quiz


def test_the_demo_learner_completes_the_course_and_verifies_the_certificate(
    page, live_server, live_course
):
    sign_in_as_the_demo_learner(page, live_server.url)
    expect(page.get_by_text("Your training for")).to_be_visible()

    sections = list(SectionPage.objects.order_by("path"))
    page.get_by_role("link", name=sections[0].title).first.click()
    for section in sections:
        expect(page.locator(".player__title")).to_have_text(section.title)
        read_the_section_and_pass_its_quiz(page, section)
        if section is not sections[-1]:
            page.get_by_role("link", name=re.compile("^Next section")).click()

    page.get_by_role("link", name="Sign the acknowledgement").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("Acknowledgement"))).to_be_visible()
    assert serious_axe_violations(page) == []
    page.fill("#id_typed_name", "María O'Neil-Núñez")
    page.check("#id_confirm")
    page.get_by_role("button", name="Sign and complete my training").click()
    expect(page.get_by_text("Your training is complete.")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the certificate (PDF)").click()
    pdf = PdfReader(io.BytesIO(open(download_info.value.path(), "rb").read()))
    text = " ".join(pdf.pages[0].extract_text().split())
    printed_code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", text).group(0)
    assert printed_code == Certificate.objects.get().code

    page.goto(f"{live_server.url}/certificates/verify/")
    page.fill("#id_code", printed_code.lower().replace("-", " "))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Valid.")).to_be_visible()
    expect(page.locator("#main dd").first).to_have_text("María O'Neil-Núñez")
    assert serious_axe_violations(page) == []
