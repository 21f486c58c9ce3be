"""Extensions of a due date and exemptions from a cycle: append-only records with a reason,
and the status rule (Python and SQL alike) that follows the latest one."""

import itertools
from datetime import UTC, date, datetime

import pytest
from django.db import IntegrityError, transaction

from quizzes.models import Attempt, Quiz
from staff.models import Assignment, AssignmentAdjustment, Location, Staff, TrainingCycle
from staff.selectors import (
    COMPLETED,
    EXEMPT,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    assignment_status,
    learner_assignments,
    with_status,
)
from staff.services import (
    ADJUSTMENT_NO_REASON,
    AdjustmentRefused,
    assignment_exempt,
    assignment_extend,
    cycle_dates_for_year,
)
from tests.conftest import make_user
from tests.helpers import login_verified, make_course

TODAY = date(2026, 10, 15)


@pytest.fixture
def cycle(db):
    make_course()
    return TrainingCycle.objects.create(**cycle_dates_for_year(2026))


@pytest.fixture
def hr(db):
    return make_user("hr@district.example", first_name="Harriet", last_name="Ramos")


_numbers = itertools.count(1)


def assign(cycle, *, completed=False, user=None):
    n = next(_numbers)
    location, _ = Location.objects.get_or_create(name="Riverside High School")
    staff = Staff.objects.create(
        employee_id=f"A{n}",
        first_name="Ann",
        last_name=f"Lee{n}",
        email=f"a{n}@district.example",
        location=location,
        hire_date=date(2015, 1, 1),
        user=user,
    )
    return Assignment.objects.create(
        staff=staff,
        cycle=cycle,
        course=make_course(),
        kind="refresher",
        due_on=cycle.refresher_due_on,
        completed_at=datetime(2026, 10, 3, 15, tzinfo=UTC) if completed else None,
    )


def test_an_extension_moves_the_due_date_and_keeps_the_first_one(cycle, hr):
    assignment = assign(cycle)
    assert assignment_status(assignment, today=TODAY) == OVERDUE
    adjustment = assignment_extend(
        assignment_id=assignment.pk,
        due_on=date(2027, 1, 15),
        reason="  Medical leave until December  ",
        by=hr,
        today=TODAY,
    )
    assert (adjustment.kind, adjustment.reason, adjustment.made_by) == (
        "extension",
        "Medical leave until December",
        hr,
    )
    fresh = Assignment.objects.get(pk=assignment.pk)
    assert fresh.due_on == date(2026, 10, 1)  # the assigned date is never overwritten
    assert assignment_status(fresh, today=TODAY) == NOT_STARTED
    assert assignment_status(fresh, today=date(2027, 1, 15)) == NOT_STARTED  # due that day
    assert assignment_status(fresh, today=date(2027, 1, 16)) == OVERDUE


def test_an_exemption_has_its_own_status_and_a_later_extension_ends_it(cycle, hr):
    assignment = assign(cycle)
    assignment_exempt(assignment_id=assignment.pk, reason="Long-term leave", by=hr)
    assert assignment_status(Assignment.objects.get(pk=assignment.pk), today=TODAY) == EXEMPT
    assignment_extend(
        assignment_id=assignment.pk,
        due_on=date(2027, 3, 1),
        reason="Back from leave in February",
        by=hr,
        today=TODAY,
    )
    assert assignment_status(Assignment.objects.get(pk=assignment.pk), today=TODAY) == NOT_STARTED
    # Both decisions stay on record, in order.
    assert list(assignment.adjustments.order_by("pk").values_list("kind", flat=True)) == [
        "exemption",
        "extension",
    ]


@pytest.mark.parametrize(
    ("due_on", "code"),
    [
        (date(2026, 10, 1), "not_later"),  # the current due date itself
        (date(2026, 9, 20), "not_later"),
        (date(2027, 7, 1), "after_cycle"),  # the day after the cycle ends
    ],
)
def test_an_extension_must_be_later_and_inside_the_cycle(cycle, hr, due_on, code):
    assignment = assign(cycle)
    with pytest.raises(AdjustmentRefused) as refused:
        assignment_extend(
            assignment_id=assignment.pk, due_on=due_on, reason="Leave", by=hr, today=TODAY
        )
    assert refused.value.code == code
    assert not AssignmentAdjustment.objects.exists()


def test_an_extension_to_a_date_already_past_is_refused(cycle, hr):
    assignment = assign(cycle)
    with pytest.raises(AdjustmentRefused) as refused:
        assignment_extend(
            assignment_id=assignment.pk,
            due_on=date(2026, 10, 10),
            reason="Leave",
            by=hr,
            today=TODAY,
        )
    assert refused.value.code == "in_the_past"
    assert "Oct 15, 2026" in refused.value.message


def test_a_reason_is_required_and_completed_training_is_not_adjusted(cycle, hr):
    open_one, done = assign(cycle), assign(cycle, completed=True)
    with pytest.raises(AdjustmentRefused) as refused:
        assignment_exempt(assignment_id=open_one.pk, reason="   ", by=hr)
    assert refused.value.message == str(ADJUSTMENT_NO_REASON)
    with pytest.raises(AdjustmentRefused) as refused:
        assignment_exempt(assignment_id=done.pk, reason="Leave", by=hr)
    assert refused.value.code == "completed"
    assert "Oct 3, 2026" in refused.value.message
    assert not AssignmentAdjustment.objects.exists()


def test_exempting_twice_is_refused(cycle, hr):
    assignment = assign(cycle)
    assignment_exempt(assignment_id=assignment.pk, reason="Leave", by=hr)
    with pytest.raises(AdjustmentRefused) as refused:
        assignment_exempt(assignment_id=assignment.pk, reason="Leave again", by=hr)
    assert refused.value.code == "already_exempt"
    assert AssignmentAdjustment.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"kind": "extension", "due_on": None, "reason": "x"}, "adjustment_extension_has"),
        ({"kind": "exemption", "due_on": date(2027, 1, 1), "reason": "x"}, "adjustment_extension"),
        ({"kind": "exemption", "due_on": None, "reason": "   "}, "adjustment_has_a_reason"),
        ({"kind": "exemption", "due_on": None, "reason": ""}, "adjustment_has_a_reason"),
    ],
)
def test_the_database_refuses_an_incomplete_record(cycle, hr, fields, constraint):
    assignment = assign(cycle)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        AssignmentAdjustment.objects.create(assignment=assignment, made_by=hr, **fields)


def test_python_and_sql_status_agree_in_every_case(cycle, hr, sections):
    """assignment_status (one assignment) and with_status (reports) are the same rule."""
    learner = make_user("busy@district.example")
    cases = {
        "not started": assign(cycle),
        "overdue": assign(cycle),
        "completed": assign(cycle, completed=True),
        "in progress": assign(cycle, user=learner),
        "extended": assign(cycle),
        "extended then exempt": assign(cycle),
        "exempt": assign(cycle),
        "exempt then extended": assign(cycle),
        "extended twice": assign(cycle),
    }
    Attempt.objects.create(
        user=learner,
        quiz=Quiz.objects.get(section=sections[0]),
        number=1,
        question_count=5,
        pass_mark=80,
        started_at=datetime(2026, 9, 2, tzinfo=UTC),
        assignment=cases["in progress"],
    )
    Assignment.objects.filter(pk=cases["not started"].pk).update(due_on=date(2026, 11, 1))
    Assignment.objects.filter(pk=cases["in progress"].pk).update(due_on=date(2026, 11, 1))

    def extend(name, day):
        assignment_extend(
            assignment_id=cases[name].pk, due_on=day, reason="r", by=hr, today=date(2026, 9, 1)
        )

    def exempt(name):
        assignment_exempt(assignment_id=cases[name].pk, reason="r", by=hr)

    extend("extended", date(2026, 10, 20))
    extend("extended then exempt", date(2026, 10, 20))
    exempt("extended then exempt")
    exempt("exempt")
    exempt("exempt then extended")
    extend("exempt then extended", date(2026, 10, 10))  # ends the exemption, overdue now
    extend("extended twice", date(2026, 10, 20))
    extend("extended twice", date(2026, 11, 30))

    expected = {
        "not started": NOT_STARTED,
        "overdue": OVERDUE,
        "completed": COMPLETED,
        "in progress": IN_PROGRESS,
        "extended": NOT_STARTED,
        "extended then exempt": EXEMPT,
        "exempt": EXEMPT,
        "exempt then extended": OVERDUE,
        "extended twice": NOT_STARTED,
    }
    for today in (TODAY, date(2026, 10, 21), date(2026, 12, 1)):
        sql = dict(with_status(Assignment.objects.all(), today=today).values_list("pk", "status"))
        for name, assignment in cases.items():
            python = assignment_status(Assignment.objects.get(pk=assignment.pk), today=today)
            assert python == sql[assignment.pk], (name, today)
    sql = dict(with_status(Assignment.objects.all(), today=TODAY).values_list("pk", "status"))
    assert {name: sql[a.pk] for name, a in cases.items()} == expected


def test_the_learner_sees_the_extended_due_date(client, cycle, hr, course, monkeypatch):
    from tests.reports.conftest import freeze_today

    freeze_today(monkeypatch, TODAY)
    user = make_user("ann.lee@district.example")
    assignment = assign(cycle, user=user)
    assignment_extend(
        assignment_id=assignment.pk, due_on=date(2027, 1, 15), reason="Leave", by=hr, today=TODAY
    )
    current, _ = learner_assignments(user=user, course_id=assignment.course_id)
    assert (current.due_on, current.status) == (date(2027, 1, 15), NOT_STARTED)
    login_verified(client, user)
    html = client.get("/").content.decode()
    assert "<dt>Due</dt><dd>January 15, 2027</dd>" in html
    assert "Overdue" not in html
