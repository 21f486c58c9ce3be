"""A cycle's records are counted by the district's days: an attempt at 11:30 p.m. local time
on the cycle's last day belongs to that cycle, wherever UTC's date has already turned."""

from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

from quizzes.models import Attempt
from reports.records import cycle_records
from staff.models import Assignment
from staff.selectors import with_activity
from tests.helpers import pass_section


def _move_attempts_to(moment):
    Attempt.objects.update(started_at=moment, submitted_at=moment + timedelta(minutes=5))


def test_an_attempt_late_on_the_last_evening_counts_in_that_cycle(
    admin_client, assigned_learner, learner, sections
):
    cycle = assigned_learner.assignments.get().cycle
    pass_section(learner, sections[0])
    late = timezone.make_aware(datetime.combine(cycle.ends_on, time(23, 30)))
    assert late.astimezone(UTC).date() > cycle.ends_on  # UTC is already tomorrow
    _move_attempts_to(late)

    assert len(cycle_records(cycle=cycle)["attempts"]) == 1
    record = admin_client.get(f"/admin/completion/person/{assigned_learner.pk}/").content
    assert b"No quiz attempts." not in record
    assert with_activity(Assignment.objects.all()).get().has_activity


def test_an_attempt_just_after_the_last_day_does_not(
    admin_client, assigned_learner, learner, sections
):
    cycle = assigned_learner.assignments.get().cycle
    pass_section(learner, sections[0])
    from training.models import SectionProgress

    after = timezone.make_aware(datetime.combine(cycle.ends_on + timedelta(days=1), time(0, 30)))
    _move_attempts_to(after)
    SectionProgress.objects.update(updated_at=after)
    assert cycle_records(cycle=cycle)["attempts"] == []
    assert not with_activity(Assignment.objects.all()).get().has_activity
