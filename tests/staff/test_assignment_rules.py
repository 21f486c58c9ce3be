"""Assignment rules: which courses a staff member takes follows rules by job title and/or
location, evaluated on cycle opening, on roster import and when a rule changes (with a
preview in the admin)."""

from datetime import date

import pytest
from django.db import IntegrityError
from django.utils import timezone
from wagtail.models import ModelLogEntry

from staff.models import Assignment, AssignmentRule, Location, Staff
from staff.selectors import assignments_missing, rules_preview
from staff.services import assignment_rules_apply, cycle_open
from tests.helpers import login_verified, make_course


def person(employee_id, job_title, location="Riverside High School"):
    return Staff.objects.create(
        employee_id=employee_id,
        first_name="Ann",
        last_name=f"Lee {employee_id}",
        email=f"{employee_id.lower()}@district.example",
        location=Location.objects.get_or_create(name=location)[0],
        job_title=job_title,
        hire_date=date(2015, 9, 1),
    )


def this_year() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 7 else today.year - 1


@pytest.fixture
def own_policy(db):
    """A district's own second course, with no rule yet: nobody takes it."""
    return make_course("our-own-policy", "Our Own Policy", everyone=False)


def courses_of(employee_id) -> set[str]:
    return set(
        Assignment.objects.filter(staff__employee_id=employee_id).values_list(
            "course__title", flat=True
        )
    )


def test_a_course_only_for_teachers_is_assigned_to_teachers_when_the_cycle_opens(own_policy):
    AssignmentRule.objects.create(course=own_policy, job_title="Teacher")
    person("T1", "Teacher")
    person("T2", "teacher")  # the roster's capitals do not matter
    person("C1", "Custodian")
    cycle_open(year=this_year())
    assert courses_of("T1") == courses_of("T2") == {"Electronic Use Policies", "Our Own Policy"}
    assert courses_of("C1") == {"Electronic Use Policies"}


def test_a_rule_can_name_a_location_or_both(own_policy):
    AssignmentRule.objects.create(
        course=own_policy, location=Location.objects.create(name="Maple Street Elementary School")
    )
    person("M1", "Custodian", "Maple Street Elementary School")
    person("R1", "Custodian", "Riverside High School")
    cycle_open(year=this_year())
    assert "Our Own Policy" in courses_of("M1")
    assert "Our Own Policy" not in courses_of("R1")


def test_a_course_without_a_rule_or_unpublished_is_assigned_to_nobody(own_policy):
    person("T1", "Teacher")
    cycle_open(year=this_year())
    assert courses_of("T1") == {"Electronic Use Policies"}
    AssignmentRule.objects.create(course=own_policy, job_title="")
    own_policy.unpublish()
    cycle, _ = cycle_open(year=this_year())
    assert assignments_missing(cycle=cycle) == []


def test_a_new_rule_is_previewed_then_applied_to_the_current_cycle_and_audited(own_policy, hr_user):
    cycle, _ = cycle_open(year=this_year())
    person("T1", "Teacher")
    person("C1", "Custodian")
    AssignmentRule.objects.create(course=own_policy, job_title="Teacher")
    preview = rules_preview(cycle=cycle)
    # T1 and C1 joined after the opening: both lack the first course; only T1 gets the second.
    assert preview.people == 2
    assert preview.by_course == [("Electronic Use Policies", 2), ("Our Own Policy", 1)]
    assert Assignment.objects.filter(staff__employee_id__in=["T1", "C1"]).count() == 0

    assert assignment_rules_apply(by=hr_user) == 3
    assert courses_of("T1") == {"Electronic Use Policies", "Our Own Policy"}
    assert assignment_rules_apply(by=hr_user) == 0  # applying again adds nothing
    entry = (
        ModelLogEntry.objects.filter(action="staff.assignment_rules_apply").order_by("pk").first()
    )
    assert entry.user == hr_user and entry.data["items"] == 3


def test_changing_a_rule_never_takes_an_assignment_away(own_policy, hr_user):
    rule = AssignmentRule.objects.create(course=own_policy, job_title="Teacher")
    person("T1", "Teacher")
    cycle_open(year=this_year())
    rule.job_title = "Counselor"
    rule.save()
    assignment_rules_apply(by=hr_user)
    assert "Our Own Policy" in courses_of("T1")


def test_the_same_rule_twice_is_refused_by_the_database(own_policy):
    AssignmentRule.objects.create(course=own_policy, job_title="Teacher")
    with pytest.raises(IntegrityError):
        AssignmentRule.objects.create(course=own_policy, job_title="TEACHER")


def test_roster_import_assigns_new_staff_their_courses_by_the_rules(own_policy, tmp_path):
    from django.core.management import call_command

    AssignmentRule.objects.create(course=own_policy, job_title="Teacher")
    cycle_open(year=this_year())
    (tmp_path / "r.csv").write_text(
        "employee_id,first_name,last_name,email,location,job_title,hire_date,active\n"
        "E9,Ann,Lee,ann.lee@district.example,School A,Teacher,2015-01-10,yes\n"
        "E10,Bo,Ng,bo.ng@district.example,School A,Custodian,2015-01-10,yes\n"
    )
    call_command("import_roster", tmp_path / "r.csv", verbosity=0)
    assert courses_of("E9") == {"Electronic Use Policies", "Our Own Policy"}
    assert courses_of("E10") == {"Electronic Use Policies"}


def test_hr_adds_a_rule_in_the_admin_sees_the_preview_and_applies_it(client, own_policy, hr_user):
    cycle_open(year=this_year())
    person("T1", "Teacher")
    cycle_open(year=this_year())  # T1 has the first course; the rule adds the second
    login_verified(client, hr_user)
    listing = client.get("/admin/snippets/staff/assignmentrule/").content.decode()
    assert "Apply the rules to the current cycle" in listing
    form = client.get("/admin/snippets/staff/assignmentrule/add/").content.decode()
    assert "Our Own Policy" in form and "Every location" in form

    response = client.post(
        "/admin/snippets/staff/assignmentrule/add/",
        {"course": own_policy.pk, "job_title": "Teacher", "location": ""},
    )
    assert (
        response.status_code == 302
        and response["Location"] == "/admin/snippets/staff/assignmentrule/apply/"
    )
    assert not Assignment.objects.filter(course=own_policy).exists()  # nothing until applied
    preview = client.get(response["Location"]).content.decode()
    assert "1 person will be assigned" in preview
    assert "Our Own Policy: <strong>1</strong> assignment" in preview
    assert "Ann Lee T1" in preview

    done = client.post("/admin/snippets/staff/assignmentrule/apply/", follow=True).content.decode()
    assert "1 assignment created." in done
    assert courses_of("T1") == {"Electronic Use Policies", "Our Own Policy"}


def test_principals_cannot_change_the_rules(principal_client, own_policy):
    assert principal_client.get("/admin/snippets/staff/assignmentrule/apply/").status_code in (
        302,
        403,
    )
    assert principal_client.post("/admin/snippets/staff/assignmentrule/apply/").status_code in (
        302,
        403,
    )
    assert not Assignment.objects.filter(course=own_policy).exists()
