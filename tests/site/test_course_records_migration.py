"""The migration to course-aware records, run on a populated database of the previous schema:
assignments get the course, and each attempt, reading row and slide view gets the assignment
whose cycle held its day in the district's time zone (the rule the site used until then)."""

from datetime import date, datetime, time

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from quizzes.models import Attempt, Quiz
from staff.models import Assignment, AssignmentRule, Location, Staff, TrainingCycle
from tests.conftest import make_user
from tests.helpers import restore_migration_data
from training.models import SectionProgress, SlideView

BEFORE = [
    ("staff", "0005_assignment_reacknowledge_from"),
    ("training", "0005_policy_version_publishing"),
    ("quizzes", "0004_question_keys_review_and_test_out"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def populated(transactional_db):
    """Two cycles of one learner's records, written with today's models; the migration test
    then takes the database back to the previous schema (dropping the new columns, keeping
    every row) and forward again."""
    from django.core.management import call_command

    restore_migration_data()
    call_command("load_course", verbosity=0)
    last = TrainingCycle.objects.create(
        name="2025-2026",
        starts_on=date(2025, 7, 1),
        ends_on=date(2026, 6, 30),
        refresher_due_on=date(2025, 10, 1),
    )
    this = TrainingCycle.objects.create(
        name="2026-2027",
        starts_on=date(2026, 7, 1),
        ends_on=date(2027, 6, 30),
        refresher_due_on=date(2026, 10, 1),
    )
    user = make_user("ann@district.example")
    staff = Staff.objects.create(
        employee_id="E1",
        first_name="Ann",
        last_name="Lee",
        email=user.username,
        location=Location.objects.create(name="Riverside High School"),
        hire_date=date(2015, 9, 1),
        user=user,
    )
    rule = AssignmentRule.objects.get()
    for cycle in (last, this):
        Assignment.objects.create(
            staff=staff, cycle=cycle, course=rule.course, kind="refresher", due_on=date.today()
        )
    quiz = Quiz.objects.order_by("section__path").first()
    # 11:30 p.m. on the old cycle's last day is already July 1 in UTC: it stays in that cycle.
    moments = {
        "last evening": _local(last.ends_on, 23, 30),
        "this morning": _local(this.starts_on, 8),
        "before every cycle": _local(date(2024, 5, 1), 9),
    }
    for number, moment in enumerate(moments.values(), start=1):
        Attempt.objects.create(
            user=user, quiz=quiz, number=number, question_count=5, pass_mark=80, started_at=moment
        )
        SlideView.objects.create(user=user, section=quiz.section, slide=1, viewed_at=moment)
    progress = SectionProgress.objects.create(user=user, section=quiz.section)
    SectionProgress.objects.filter(pk=progress.pk).update(updated_at=moments["this morning"])
    return {"last": last, "this": this, "staff": staff, "course": rule.course, "moments": moments}


def test_the_migration_attaches_every_record_to_the_assignment_of_its_day(populated):
    latest = _latest()
    _migrate(BEFORE)
    with connection.cursor() as cursor:
        columns = [
            c.name
            for c in connection.introspection.get_table_description(cursor, "quizzes_attempt")
        ]
    assert "assignment_id" not in columns  # the previous schema, with its rows
    _migrate(latest)

    staff, moments = populated["staff"], populated["moments"]
    by_cycle = {a.cycle_id: a for a in Assignment.objects.filter(staff=staff)}
    assert {a.course_id for a in by_cycle.values()} == {populated["course"].pk}
    last, this = by_cycle[populated["last"].pk], by_cycle[populated["this"].pk]
    attempts = {a.started_at: a.assignment_id for a in Attempt.objects.all()}
    assert attempts == {
        moments["last evening"]: last.pk,
        moments["this morning"]: this.pk,
        moments["before every cycle"]: None,
    }
    views = {v.viewed_at: v.assignment_id for v in SlideView.objects.all()}
    assert views == attempts
    assert SectionProgress.objects.get().assignment_id == this.pk
    # The course keeps being assigned to everyone, as before.
    assert AssignmentRule.objects.filter(job_title="", location=None).count() == 1
