"""Time on task: counted on the server from the slides a learner views, shown to HR and
exported; a course may require a minimum before each quiz."""

from datetime import timedelta

from django.core.management import call_command

from quizzes.models import Attempt
from tests.helpers import login_verified
from training.models import SlideView
from training.selectors import SLIDE_TIME_CAP, time_on_task
from training.services import progress_record_slide_view


def view(user, section, number, *, minutes_ago: float = 0):
    """Record a slide view as the page does, as if it happened `minutes_ago`."""
    progress_record_slide_view(user=user, section=section, number=number)
    if minutes_ago:
        opened = SlideView.objects.filter(user=user).latest("pk")
        opened.viewed_at -= timedelta(minutes=minutes_ago)
        opened.save(update_fields=["viewed_at"])
        # The slide before ended when this one opened.
        before = SlideView.objects.filter(user=user, pk__lt=opened.pk).order_by("-pk").first()
        if before is not None:
            before.left_at = opened.viewed_at
            before.save(update_fields=["left_at"])


def seconds_on(user, section) -> int:
    assignment = user.staff.assignments.get()
    return time_on_task(assignment_ids=[assignment.pk]).get((assignment.pk, section.pk), 0)


def test_each_slide_counts_until_the_next_one(assigned_learner, learner, sections):
    view(learner, sections[0], 1, minutes_ago=2)
    view(learner, sections[0], 2, minutes_ago=0.5)
    assert seconds_on(learner, sections[0]) == 90
    # The open slide counts once the learner moves on.
    view(learner, sections[1], 1)
    assert 120 <= seconds_on(learner, sections[0]) <= 122
    assert seconds_on(learner, sections[1]) == 0


def test_a_slide_left_open_counts_for_five_minutes_at_most(assigned_learner, learner, sections):
    view(learner, sections[0], 1, minutes_ago=90)
    view(learner, sections[0], 2)
    assert seconds_on(learner, sections[0]) == SLIDE_TIME_CAP.total_seconds() == 300


def test_the_last_slide_counts_until_the_quiz_opens(
    assigned_learner, learner_client, learner, sections
):
    count = sections[0].slide_count
    # A minute on each slide: slide 1 opened `count` minutes ago, the last one a minute ago.
    for number in range(1, count + 1):
        view(learner, sections[0], number, minutes_ago=count - number + 1)
    assert 60 * (count - 1) <= seconds_on(learner, sections[0]) <= 60 * (count - 1) + 2
    learner_client.get(f"/quiz/section/{sections[0].pk}/")
    assert Attempt.objects.filter(user=learner).exists()
    assert 60 * count <= seconds_on(learner, sections[0]) <= 60 * count + 2


def test_a_minimum_time_per_section_holds_the_quiz_back(
    assigned_learner, learner_client, learner, course, sections
):
    course.minimum_minutes_per_section = 3
    course.save_revision().publish()
    for number in range(1, sections[0].slide_count + 1):
        view(learner, sections[0], number)
    response = learner_client.get(f"/quiz/section/{sections[0].pk}/")
    html = response.content.decode()
    assert "at least 3 minutes on each section" in html
    assert "You have spent under a minute on this section so far" in html
    assert not Attempt.objects.exists()

    SlideView.objects.update(viewed_at=SlideView.objects.earliest("pk").viewed_at)
    SlideView.objects.filter(user=learner).update(left_at=None)
    for opened in SlideView.objects.filter(user=learner):
        opened.viewed_at -= timedelta(minutes=1)
        opened.left_at = opened.viewed_at + timedelta(minutes=1)
        opened.save()
    assert seconds_on(learner, sections[0]) >= 180
    assert learner_client.get(f"/quiz/section/{sections[0].pk}/").status_code == 200
    assert Attempt.objects.count() == 1


def test_no_minimum_by_default(learner_client, learner, course, sections):
    assert course.minimum_minutes_per_section is None
    view(learner, sections[0], sections[0].slide_count)
    assert learner_client.get(f"/quiz/section/{sections[0].pk}/").status_code == 200


def test_hr_sees_time_on_task_in_the_person_record_and_the_export(
    client, assigned_learner, learner, course, sections, tmp_path, django_user_model
):
    view(learner, sections[0], 1, minutes_ago=4)
    view(learner, sections[0], 2, minutes_ago=1)
    view(learner, sections[1], 1)
    hr = django_user_model.objects.create_superuser("hr@school.example", password="x")
    login_verified(client, hr)
    html = client.get(f"/admin/completion/person/{assigned_learner.pk}/").content.decode()
    assert "Time on the slides" in html
    assert f"<td>{sections[0].title}</td><td>4 minutes</td>" in html.replace("&#x27;", "'")

    out = tmp_path / "records"
    cycle = assigned_learner.assignments.get().cycle
    call_command("export_records", cycle=cycle.name, output=out, verbosity=0)
    rows = (out / "time_on_task.csv").read_text().splitlines()
    assert rows[0] == "employee_id,course,section,seconds"
    assert rows[1].startswith(f"E-4411,{course.title},{sections[0].title},24")
