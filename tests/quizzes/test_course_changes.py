"""How the learner flow copes with the course changing under it, and with a new school year."""

from datetime import UTC, datetime, timedelta

from quizzes.models import Attempt, Question
from staff.services import cycle_open
from tests.helpers import pass_section, read_all_slides
from training.models import SectionProgress
from training.selectors import course_outline


def test_a_retired_sections_result_page_still_shows_and_its_quiz_is_gone(
    learner_client, learner, sections
):
    attempt = pass_section(learner, sections[0])
    sections[0].unpublish()
    assert learner_client.get(f"/quiz/attempt/{attempt.pk}/").status_code == 200
    assert learner_client.get(f"/quiz/section/{sections[0].pk}/").status_code == 404


def test_a_section_without_questions_opens_the_next_once_read(learner_client, learner, sections):
    Question.objects.filter(quiz__section=sections[0]).update(is_active=False)
    read_all_slides(learner, sections[0])
    html = learner_client.get(f"{sections[0].url}?slide={sections[0].slide_count}").content
    assert f"Next section: {sections[1].title}".encode() in html.replace(b"&#x27;", b"'")
    assert learner_client.get(sections[1].url)["Location"].endswith("?slide=1")


def test_an_editor_can_preview_a_draft_section(course, sections):
    sections[2].unpublish()
    draft = type(sections[2]).objects.get(pk=sections[2].pk)
    response = draft.make_preview_request()
    assert response.status_code == 200
    html = response.content.decode().replace("&#x27;", "'")
    assert draft.title in html and f"Slide 1 of {draft.slide_count}" in html


def test_last_years_passes_do_not_count_for_this_years_refresher(
    learner_client, learner, staff_learner, sections, course
):
    from django.utils import timezone

    today = timezone.localdate()
    year = today.year if today.month >= 7 else today.year - 1
    previous, _ = cycle_open(year=year - 1)
    cycle_open(year=year)
    pass_section(learner, sections[0])
    # Those records were last year's: they point to last year's assignment.
    last = staff_learner.assignments.get(cycle=previous)
    last_year = datetime(year, 3, 1, tzinfo=UTC)
    Attempt.objects.update(
        started_at=last_year, submitted_at=last_year + timedelta(minutes=5), assignment=last
    )
    SectionProgress.objects.update(updated_at=last_year, assignment=last)

    outline = course_outline(course=course, user=learner)
    assert outline[0].state == "not_started"
    assert not outline[1].is_open

    # Reading starts again from the first slide, and a new attempt is needed.
    learner_client.get(f"{sections[0].url}?slide=1")
    progress = SectionProgress.objects.exclude(assignment=last).get(section=sections[0])
    assert (progress.last_slide, progress.furthest_slide) == (1, 1)
    attempt = pass_section(learner, sections[0])
    assert attempt.number == 2
    assert course_outline(course=course, user=learner)[1].is_open
