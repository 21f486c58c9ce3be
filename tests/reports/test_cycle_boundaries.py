"""A cycle's records are those of its assignments (a foreign key), never decided by a date:
an attempt at 11:30 p.m. local time on the cycle's last day belongs to that cycle, wherever
UTC's date has already turned, and an attempt for last cycle's assignment stays there."""

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


def test_an_attempt_for_last_cycles_assignment_counts_there_whatever_its_date(
    admin_client, assigned_learner, learner, sections
):
    from staff.services import cycle_open
    from training.models import SectionProgress

    current = assigned_learner.assignments.get()
    previous, _ = cycle_open(year=current.cycle.starts_on.year - 1)
    last = assigned_learner.assignments.get(cycle=previous)
    pass_section(learner, sections[0])
    # Dated inside this cycle, but they are last cycle's records: the key decides, not the date.
    Attempt.objects.update(assignment=last)
    SectionProgress.objects.update(assignment=last)

    assert cycle_records(cycle=current.cycle)["attempts"] == []
    assert len(cycle_records(cycle=previous)["attempts"]) == 1
    activity = dict(with_activity(Assignment.objects.all()).values_list("cycle", "has_activity"))
    assert activity == {current.cycle_id: False, previous.pk: True}
