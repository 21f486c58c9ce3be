"""A district's second course in chromium: HR adds an assignment rule in the admin, sees who it
assigns and applies it; the demo learner (a teacher, whom the course's own rule assigns) finds
both courses on her home page with status and due date, and opens the second one. The page
fixture fails on any CSP violation, console or page error, and serious axe finding in the
admin."""

import pytest
from playwright.sync_api import expect

from staff.models import Assignment
from tests.helpers import SECOND_COURSE_TITLE, with_second_course

from .conftest import serious_axe_violations, watch_context
from .test_admin_menus_e2e import sign_in


@pytest.fixture
def two_courses_and_demo_staff(transactional_db, tmp_path):
    from django.core.management import call_command

    from eupsite.demo import demo_accounts_ensure, demo_staff_ensure
    from tests.helpers import restore_migration_data

    restore_migration_data()
    call_command("load_course", content_dir=with_second_course(tmp_path), verbosity=0)
    demo_accounts_ensure()
    demo_staff_ensure()


def test_hr_adds_a_rule_for_paraprofessionals_and_the_learner_sees_both_courses(
    page, live_server, browser, two_courses_and_demo_staff
):
    sign_in(page, live_server, "HR")
    page.goto(f"{live_server.url}/admin/snippets/staff/assignmentrule/")
    expect(page.get_by_role("cell", name="Every job title", exact=True)).to_be_visible()
    page.get_by_role("link", name="Add assignment rule").click()
    page.locator("#id_course").select_option(label=SECOND_COURSE_TITLE)
    page.locator("#id_job_title").fill("Paraprofessional")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name="1 person will be assigned")).to_be_visible()
    expect(page.get_by_role("cell", name="Jamal Carter")).to_be_visible()
    assert serious_axe_violations(page) == []
    page.get_by_role("button", name="Make this 1 assignment").click()
    expect(page.get_by_text("1 assignment created.")).to_be_visible()
    assert Assignment.objects.filter(
        staff__employee_id="D-1002", course__title=SECOND_COURSE_TITLE
    ).exists()

    context = browser.new_context(viewport={"width": 1100, "height": 900})
    learner_problems = watch_context(context)
    learner = context.new_page()
    sign_in(learner, live_server, "learner")
    courses = learner.get_by_role("region", name="Your courses this year")
    expect(courses.get_by_role("row")).to_have_count(3)  # the heading row and two courses
    expect(courses.get_by_text("Electronic Use Policies (this page)")).to_be_visible()
    courses.get_by_role("link", name=SECOND_COURSE_TITLE).click()
    expect(learner.get_by_role("heading", level=1, name=SECOND_COURSE_TITLE)).to_be_visible()
    expect(
        learner.get_by_role("link", name="Introduction to the Electronic Use Policies")
    ).to_be_visible()
    context.close()
    assert learner_problems.problems == []
