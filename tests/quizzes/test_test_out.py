"""The test-out: returning staff answer a few questions per section; a section answered
perfectly counts as passed this cycle, the rest are read and quizzed as usual."""

import pytest
from django.utils.html import escape

from certificates.models import Acknowledgement
from quizzes import selectors, services
from quizzes.models import Attempt
from staff.models import Assignment
from tests.helpers import answer_attempt, pass_section
from training.selectors import course_outline


def answers_for(attempts, *, perfect_sections: set[int]) -> dict[str, list[str]]:
    """Form data answering the sections at the given places (1-based) all right, the others
    with their first question wrong."""
    data = {}
    for place, attempt in enumerate(attempts, start=1):
        answers = answer_attempt(attempt, right=None if place in perfect_sections else 0)
        data.update({f"a{place}-{key}": value for key, value in answers.items()})
    return data


@pytest.fixture
def refresher(assigned_learner, learner, sections):
    assert assigned_learner.assignments.get().kind == Assignment.Kind.REFRESHER
    return learner


def start(client):
    response = client.post("/quiz/test-out/")
    assert (
        response.status_code == 302
        and response["Location"] == f"/quiz/test-out/answer/?course={client.course.pk}"
    )
    return selectors.test_out_attempts(user=client.user, course=client.course, submitted=False)


@pytest.fixture
def refresher_client(learner_client, refresher, course):
    learner_client.user, learner_client.course = refresher, course
    return learner_client


def test_a_refresher_is_offered_the_test_out_on_the_course_page(refresher_client, course):
    html = refresher_client.get(course.url).content.decode()
    assert "Test out of what you know" in html
    intro = refresher_client.get("/quiz/test-out/").content.decode()
    assert "answer 4 questions on each of the 7 sections" in intro


def test_a_new_hire_reads_every_section(learner_client, assigned_learner, course):
    Assignment.objects.update(kind=Assignment.Kind.ONBOARDING)
    assert "Test out" not in learner_client.get(course.url).content.decode()
    assert learner_client.post("/quiz/test-out/").status_code == 200
    assert not Attempt.objects.exists()


def test_the_test_out_draws_four_questions_from_every_section(refresher_client, sections):
    attempts = start(refresher_client)
    assert [a.quiz.section_id for a in attempts] == [s.pk for s in sections]
    assert all(a.kind == "test_out" and a.question_count == 4 for a in attempts)
    assert all(a.pass_mark == 100 for a in attempts)
    page = refresher_client.get("/quiz/test-out/answer/").content.decode()
    assert page.count("<fieldset") == 28
    for attempt in attempts:
        assert escape(attempt.quiz.section.title) in page


def test_passing_every_section_leaves_only_the_signature(refresher_client, refresher, course):
    attempts = start(refresher_client)
    response = refresher_client.post(
        "/quiz/test-out/submit/", answers_for(attempts, perfect_sections=set(range(1, 8)))
    )
    assert response["Location"] == f"/quiz/test-out/result/?course={course.pk}"
    result = refresher_client.get("/quiz/test-out/result/").content.decode()
    assert "Passed (7 sections)" in result and "Sign the acknowledgement" in result
    outline = course_outline(course=course, user=refresher)
    assert all(e.section_passed and e.state == "tested_out" for e in outline)
    signed = refresher_client.post(
        "/certificates/complete/", {"typed_name": "María O'Neil-Núñez", "confirm": "yes"}
    )
    assert signed.status_code == 302
    assert Acknowledgement.objects.count() == 1


def test_passing_some_sections_leaves_the_others_to_read_and_quiz(
    refresher_client, refresher, course, sections
):
    attempts = start(refresher_client)
    refresher_client.post(
        "/quiz/test-out/submit/", answers_for(attempts, perfect_sections={1, 2, 4, 5, 7})
    )
    outline = course_outline(course=course, user=refresher)
    assert [e.section_passed for e in outline] == [True, True, False, True, True, False, True]
    # The first section missed is open; none shows as a failed quiz.
    assert outline[2].is_open and outline[2].state == "not_started"
    assert not any(e.quiz_failed_last for e in outline)
    result = refresher_client.get("/quiz/test-out/result/").content.decode()
    assert f"Read “{escape(sections[2].title)}”" in result
    assert "To read (2 sections)" in result

    for missed in (sections[2], sections[5]):
        pass_section(refresher, missed)
    outline = course_outline(course=course, user=refresher)
    assert all(e.section_passed for e in outline)
    assert [e.state for e in outline].count("passed") == 2


def test_failing_every_section_means_reading_them_all(refresher_client, refresher, course):
    attempts = start(refresher_client)
    refresher_client.post("/quiz/test-out/submit/", answers_for(attempts, perfect_sections=set()))
    outline = course_outline(course=course, user=refresher)
    assert not any(e.section_passed for e in outline)
    assert [e.is_open for e in outline] == [True] + [False] * 6
    assert all(a.passed is False for a in Attempt.objects.filter(kind="test_out"))


def test_the_test_out_is_recorded_and_costs_no_quiz_attempt(refresher_client, refresher, sections):
    attempts = start(refresher_client)
    refresher_client.post("/quiz/test-out/submit/", answers_for(attempts, perfect_sections=set()))
    quiz = attempts[0].quiz
    quiz.max_attempts = 1
    quiz.save()
    # The section's one quiz attempt is still there to take.
    attempt = pass_section(refresher, sections[0])
    assert attempt.kind == "quiz" and attempt.passed
    assert Attempt.objects.filter(kind="test_out", submitted_at__isnull=False).count() == 7


def test_the_test_out_is_offered_once_a_cycle_and_not_after_a_quiz(
    refresher_client, refresher, sections
):
    attempts = start(refresher_client)
    refresher_client.post("/quiz/test-out/submit/", answers_for(attempts, perfect_sections={1}))
    assert refresher_client.post("/quiz/test-out/").status_code == 302
    assert Attempt.objects.filter(kind="test_out").count() == 7
    with pytest.raises(services.TestOutUnavailable):
        services.test_out_start_or_resume(user=refresher, course=sections[0].get_parent())


def test_not_offered_once_a_section_quiz_was_taken(refresher_client, refresher, course, sections):
    pass_section(refresher, sections[0])
    assert not selectors.test_out_offered(user=refresher, course=course)
    assert "Test out" not in refresher_client.get(course.url).content.decode()


def test_an_incomplete_test_out_records_nothing_and_says_what_is_missing(refresher_client):
    attempts = start(refresher_client)
    data = answers_for(attempts, perfect_sections=set(range(1, 8)))
    del data["a3-q2"]
    response = refresher_client.post("/quiz/test-out/submit/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was recorded yet" in html and "Question 10: Answer this question." in html
    assert not Attempt.objects.filter(submitted_at__isnull=False).exists()


def test_one_test_out_attempt_cannot_be_submitted_alone(refresher_client):
    attempts = start(refresher_client)
    response = refresher_client.post(
        f"/quiz/attempt/{attempts[0].pk}/submit/", answer_attempt(attempts[0])
    )
    assert response.status_code == 404
    assert not Attempt.objects.filter(submitted_at__isnull=False).exists()
