"""A material change of the policies, as the district and a teacher meet it: the district
administrator publishes it after its preview; a teacher who had completed sees that she must
acknowledge again, re-reads the changed section, signs the new version and gets a new
certificate."""

import re

from playwright.sync_api import expect

from certificates.models import Acknowledgement, Certificate
from certificates.services import acknowledgement_sign
from tests.helpers import content_with_new_version, pass_section
from training.content import read_course
from training.models import SectionPage
from training.services import course_load

from .conftest import watch_context
from .test_admin_menus_e2e import sign_in
from .test_quiz_e2e import read_the_section_and_pass_its_quiz


def test_a_published_material_change_is_read_again_and_signed_again(
    page, browser, live_server, demo_site, tmp_path
):
    from django.contrib.auth import get_user_model

    learner = get_user_model().objects.get(username="learner@example.org")
    sections = list(SectionPage.objects.order_by("path"))
    for section in sections:
        pass_section(learner, section)
    first = acknowledgement_sign(
        user=learner,
        typed_name="María O'Neil-Núñez",
        confirmed=True,
        ip_address=None,
        user_agent="test",
    )

    content = content_with_new_version(
        tmp_path,
        material=True,
        summary="Texting students: the rule now names district apps.",
        sections_changed=["social-media"],
    )
    course_load(spec=read_course(content))

    sign_in(page, live_server, "district administrator")
    page.get_by_role("link", name="Policy versions").click()
    page.get_by_role("link", name=re.compile("Review and publish")).click()
    expect(
        page.get_by_role("heading", name=re.compile("Who must acknowledge again: 1"))
    ).to_be_visible()
    expect(page.get_by_text("Social media guidelines and code of conduct")).to_be_visible()
    page.get_by_role("button", name="Publish version 3").click()
    expect(page.get_by_text("1 people who signed an earlier version")).to_be_visible()

    # The teacher, in her own browser, watched for problems as the administrator's is.
    teacher = browser.new_context(viewport={"width": 1100, "height": 900})
    problems = watch_context(teacher)
    page = teacher.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, "learner")
    page.goto(f"{live_server.url}/")
    expect(page.locator(".assignment__status")).to_contain_text("Re-acknowledgement needed")
    social = next(s for s in sections if s.slug == "social-media")
    page.get_by_role("link", name=social.title).click()
    read_the_section_and_pass_its_quiz(page, social)
    page.get_by_role("link", name="Sign the acknowledgement").click()
    expect(page.get_by_text("Version 3, in effect from")).to_be_visible()
    page.fill("#id_typed_name", "María O'Neil-Núñez")
    page.check("#id_confirm")
    page.get_by_role("button", name="Sign and complete my training").click()
    expect(page.get_by_text("Your training is complete.")).to_be_visible()

    assert Acknowledgement.objects.filter(staff__user=learner).count() == 2
    newest = Certificate.objects.filter(assignment__staff__user=learner).latest("issued_at")
    assert newest != first
    page.goto(f"{live_server.url}/certificates/verify/{first.code}/")
    expect(page.get_by_text("Superseded.")).to_be_visible()
    expect(page.get_by_role("link", name=newest.code)).to_be_visible()
    teacher.close()
    assert problems.problems == []
