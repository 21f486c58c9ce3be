"""A district loads a second course (content/courses/<slug>/, laid out like content/) and
everything works per course: rules assign it, the learner's home lists both courses with
status and due date, completion and certificate are that course's, and the reports filter by
course."""

import re
from datetime import date, timedelta

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone

from certificates.models import Certificate
from staff.models import Assignment, Location, Staff
from staff.selectors import learner_courses
from staff.services import cycle_open
from tests.conftest import make_user
from tests.helpers import login_verified, pass_section, with_second_course
from training.models import CoursePage, SectionPage

SLUG = "our-own-policy"
TITLE = "Our Own Policy"


@pytest.fixture
def two_courses(db, tmp_path):
    content = with_second_course(tmp_path)
    call_command("load_course", content_dir=content, verbosity=0)
    first = CoursePage.objects.get(slug="electronic-use-policies")
    second = CoursePage.objects.get(slug=SLUG)
    return first, second, content


def cells(html: str) -> list[str]:
    """The text of the table cells that hold only text (employee ids, course titles)."""
    return re.findall(r"<td[^>]*>\s*([^<]+?)\s*</td>", html)


def this_year() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 7 else today.year - 1


def member(employee_id, job_title, user=None):
    return Staff.objects.create(
        employee_id=employee_id,
        first_name="María",
        last_name="O'Neil-Núñez",
        email=user.username if user else f"{employee_id.lower()}@district.example",
        location=Location.objects.get_or_create(name="Maple Street Elementary School")[0],
        job_title=job_title,
        hire_date=date(2015, 9, 1),
        user=user,
    )


@pytest.fixture
def teacher(two_courses):
    user = make_user("teacher@district.example", first_name="María", last_name="O'Neil-Núñez")
    member("T1", "Teacher", user)
    member("C1", "Custodian")
    cycle_open(year=this_year())
    return user


def test_the_second_course_loads_beneath_the_first_with_its_own_address(two_courses):
    first, second, _content = two_courses
    assert second.get_parent().pk == first.pk and second.url == f"/{SLUG}/"
    assert [s.title for s in SectionPage.objects.child_of(second)] == [
        "Introduction to the Electronic Use Policies"
    ]
    # The first course's sections are still only its own.
    assert SectionPage.objects.child_of(first).count() == 7
    assert second.policy_versions.get().number == 1


def test_course_yaml_assigns_the_course_to_teachers_only(teacher):
    assert set(
        Assignment.objects.filter(staff__employee_id="T1").values_list("course__slug", flat=True)
    ) == {"electronic-use-policies", SLUG}
    assert list(
        Assignment.objects.filter(staff__employee_id="C1").values_list("course__slug", flat=True)
    ) == ["electronic-use-policies"]


def test_the_learners_home_lists_both_courses_with_status_and_due_date(client, teacher):
    login_verified(client, teacher)
    html = client.get("/").content.decode()
    assert "Your courses this year" in html
    assert f'<a href="/{SLUG}/">{TITLE}</a>' in html
    assert "Electronic Use Policies (this page)" in html
    for mine in learner_courses(user=teacher):
        due = mine.due_on.strftime("%B %-d, %Y")
        assert f"<td>{mine.status_label}</td>\n          <td>{due}</td>" in html


def test_completing_the_second_course_issues_its_own_certificate(client, teacher, two_courses):
    first, second, _content = two_courses
    (section,) = SectionPage.objects.child_of(second)
    pass_section(teacher, section)
    login_verified(client, teacher)
    page = client.get(second.url).content.decode()
    assert f"/certificates/complete/?course={second.pk}" in page
    form = client.get(f"/certificates/complete/?course={second.pk}").content.decode()
    assert TITLE in form and "Acknowledgement of Receipt of the Electronic Mail Use Policy" in form
    response = client.post(
        f"/certificates/complete/?course={second.pk}",
        {"typed_name": "María O'Neil-Núñez", "confirm": "yes"},
    )
    assert response.status_code == 302
    certificate = Certificate.objects.get()
    assert certificate.course_title == TITLE and certificate.assignment.course == second
    verify = client.get(f"/certificates/verify/{certificate.code}/").content.decode()
    assert f"<dt>Course</dt><dd>{TITLE}</dd>" in verify
    # The first course is not done: its own assignment stays open.
    assert Assignment.objects.get(staff__employee_id="T1", course=first).completed_at is None
    # Signing for the first course is refused until its sections are passed.
    refused = client.post(
        "/certificates/complete/", {"typed_name": "María O'Neil-Núñez", "confirm": "yes"}
    )
    assert refused.status_code == 400 and Certificate.objects.count() == 1


def test_the_dashboard_and_report_filter_by_course(admin_client, teacher, two_courses):
    first, second, _content = two_courses
    dashboard = admin_client.get(f"/admin/completion/?course={second.pk}").content.decode()
    assert f'<option value="{second.pk}" selected>{TITLE}</option>' in dashboard
    assert "0 of 1 expected" in dashboard  # only the teacher takes it
    default = admin_client.get("/admin/completion/").content.decode()
    assert "0 of 2 expected" in default  # everyone takes the first course
    report = admin_client.get(f"/admin/completion/staff/?course={second.pk}").content.decode()
    assert "T1" in cells(report) and "C1" not in cells(report)
    everyone = cells(admin_client.get("/admin/completion/staff/").content.decode())
    assert everyone.count(TITLE) == 1 and everyone.count("Electronic Use Policies") == 2
    assert "C1" in everyone


def test_a_bad_course_id_is_a_404_not_an_error(client, teacher):
    login_verified(client, teacher)
    assert client.get("/certificates/complete/?course=99999").status_code == 404
    assert client.get("/certificates/complete/?course=abc").status_code == 404
    assert client.get("/quiz/test-out/?course=abc").status_code == 404


def test_export_writes_the_second_course_back_where_load_reads_it(two_courses, tmp_path):
    _first, _second, content = two_courses
    out = tmp_path / "exported"
    call_command("export_course", course=SLUG, output=out, verbosity=0)
    exported = yaml.safe_load((out / "sections" / "01-introduction.yaml").read_text())
    original = yaml.safe_load(
        (content / "courses" / SLUG / "sections" / "01-introduction.yaml").read_text()
    )
    assert exported == original


def test_reminders_and_the_principals_digest_name_each_course(teacher, two_courses):
    from django.core import mail

    from reports.services import reminders_send
    from staff.models import LocationAccess
    from tests.helpers import run_tasks

    principal = make_user("principal@district.example")
    LocationAccess.objects.create(
        user=principal, location=Location.objects.get(name="Maple Street Elementary School")
    )
    # The cycle's refresher date has passed (or is near): everyone is reminded of each course.
    cycle = Assignment.objects.first().cycle
    reminders_send(today=cycle.refresher_due_on + timedelta(days=3))
    run_tasks()
    to_teacher = [m.body for m in mail.outbox if m.to == [teacher.username]]
    assert len(to_teacher) == 2
    assert any("Your Our Own Policy training" in body for body in to_teacher)
    assert any("Your Electronic Use Policies training" in body for body in to_teacher)
    (digest,) = [m.body for m in mail.outbox if m.to == [principal.username]]
    assert "staff overdue for their training" in digest
    assert "(T1), Our Own Policy, due" in digest and "(T1), Electronic Use Policies, due" in digest
