"""The learner's quiz pages: take a quiz, submit it, see the result. Thin: the rules are in
services and selectors."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from training.selectors import (
    course_outline,
    learner_section_entry,
    live_section,
    source_documents,
)

from . import selectors, services
from .models import Attempt

logger = logging.getLogger(__name__)


@login_required
@require_GET
def quiz_take(request, section_id: int):
    section = live_section(section_id=section_id)
    if section is None:
        raise Http404("No such section.")
    quiz = selectors.quiz_for_section(section=section)
    if quiz is None:
        raise Http404("This section has no quiz.")
    entry = learner_section_entry(section=section, user=request.user)
    if entry.quiz_passed and entry.passing_attempt_id:
        return redirect("quizzes:result", attempt_id=entry.passing_attempt_id)
    if entry is None:
        raise Http404("This section is no longer part of the course.")
    try:
        attempt = services.attempt_start_or_resume(user=request.user, quiz=quiz, entry=entry)
    except services.QuizUnavailable as exc:
        # The message is translated into the request's language where it is raised.
        slides_not_read = gettext(services.SLIDES_NOT_READ)
        if str(exc) in (slides_not_read, gettext(services.SECTION_LOCKED)):
            messages.info(request, str(exc))
            target = section.url if str(exc) == slides_not_read else "/"
            return redirect(target)
        return render(
            request,
            "quizzes/unavailable.html",
            {"section": section, "entry": entry, "reason": str(exc)},
        )
    if attempt.is_submitted:
        return redirect("quizzes:result", attempt_id=attempt.pk)
    return _render_quiz(request, attempt, section, entry)


def _render_quiz(request, attempt, section, entry, *, errors=None, selected=None, status=200):
    errors, selected = errors or {}, selected or {}
    questions = []
    for item in selectors.attempt_items(attempt=attempt):
        ticked = selected.get(f"q{item.position}", [])
        questions.append(
            {
                "position": item.position,
                "name": f"q{item.position}",
                "number": item.position,
                "type": item.shown["type"],
                "scenario": item.shown.get("scenario", ""),
                "prompt": item.shown["prompt"],
                "several": item.allows_several_answers,
                "error": errors.get(item.position),
                # Only ids and texts: which choices are correct never reaches the page.
                "choices": [
                    {"value": place, "text": c["text"], "checked": str(place) in ticked}
                    for place, c in enumerate(item.shown["choices"], start=1)
                ],
            }
        )
    return render(
        request,
        "quizzes/quiz.html",
        {
            "section": section,
            "entry": entry,
            "attempt": attempt,
            "quiz": attempt.quiz,
            "questions": questions,
            "error_count": len(errors),
            "form_error": errors.get(None),
        },
        status=status,
    )


@login_required
@require_POST
def attempt_submit(request, attempt_id: int):
    try:
        attempt = services.attempt_submit(
            user=request.user, attempt_id=attempt_id, data=request.POST
        )
    except Attempt.DoesNotExist:
        raise Http404("No such attempt.") from None
    except DatabaseError:
        # The transaction rolled back: nothing of this submission was recorded.
        logger.exception("Saving attempt %s failed", attempt_id)
        return render(
            request,
            "quizzes/save_failed.html",
            {"retry_url": reverse("quizzes:take_attempt", args=[attempt_id])},
            status=503,
        )
    except services.AnswersInvalid as exc:
        attempt = selectors.attempt_for_user(user=request.user, attempt_id=attempt_id)
        section = attempt.quiz.section
        entry = learner_section_entry(section=section, user=request.user)
        if entry is None:
            raise Http404("This section is no longer part of the course.") from None
        selected = {key: request.POST.getlist(key) for key in request.POST if key.startswith("q")}
        return _render_quiz(
            request, attempt, section, entry, errors=exc.errors, selected=selected, status=400
        )
    return redirect("quizzes:result", attempt_id=attempt.pk)


@login_required
@require_GET
def attempt_result(request, attempt_id: int):
    attempt = selectors.attempt_for_user(user=request.user, attempt_id=attempt_id)
    if attempt is None:
        raise Http404("No such attempt.")
    section = selectors.quiz_section(quiz=attempt.quiz)
    if not attempt.is_submitted:
        return redirect("quizzes:take", section_id=section.pk)
    course = section.get_parent().specific
    outline = course_outline(course=course, user=request.user)
    entry = next((e for e in outline if e.section.pk == section.pk), None)
    items = selectors.attempt_items(attempt=attempt)
    # The next section still to pass (a test-out may have passed those in between); none
    # when every section is passed, and the next step is the signature.
    next_entry = None
    if entry is not None:
        next_entry = next((e for e in outline[entry.position :] if not e.section_passed), None)
    return render(
        request,
        "quizzes/result.html",
        {
            "section": section,
            "course": course,
            "entry": entry,
            "next_entry": next_entry,
            "attempt": attempt,
            "items": items,
            "wrong_items": [item for item in items if not item.is_correct],
            # Moodle's model: the right answers only once the quiz is passed, unless the quiz
            # allows them after a failed attempt too.
            "show_answers": attempt.passed or attempt.quiz.review_shows_answers,
            "source_documents": source_documents(),
        },
    )


@login_required
@require_GET
def attempt_resume(request, attempt_id: int):
    """Back to an attempt's quiz page (after a failed save, with nothing recorded)."""
    attempt = selectors.attempt_for_user(user=request.user, attempt_id=attempt_id)
    if attempt is None:
        raise Http404("No such attempt.")
    if attempt.is_submitted:
        return redirect("quizzes:result", attempt_id=attempt.pk)
    return redirect("quizzes:take", section_id=attempt.quiz.section_id)


# --- the test-out --------------------------------------------------------------------------


def _learner_course(request):
    """The course a test-out page is for (`?course=`; the primary course without one)."""
    from training.selectors import course_for_request

    return course_for_request(request.GET.get("course"))


def _to(name: str, course) -> str:
    """The URL of a test-out step, for the same course."""
    return f"{reverse(name)}?course={course.pk}"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def test_out_start(request):
    """GET: what the test-out is, and a button to start it. POST: start (or resume) it."""
    course = _learner_course(request)
    if course is None:
        raise Http404("There is no course.")
    if selectors.test_out_attempts(user=request.user, course=course, submitted=False):
        return redirect(_to("quizzes:test_out_take", course))
    offered = selectors.test_out_offered(user=request.user, course=course)
    if request.method == "POST" and offered:
        services.test_out_start_or_resume(user=request.user, course=course)
        return redirect(_to("quizzes:test_out_take", course))
    if not offered and selectors.test_out_attempts(
        user=request.user, course=course, submitted=True
    ):
        return redirect(_to("quizzes:test_out_result", course))
    outline = course_outline(course=course, user=request.user)
    return render(
        request,
        "quizzes/test_out_start.html",
        {
            "course": course,
            "offered": offered,
            "reason": gettext(services.TEST_OUT_NOT_OFFERED),
            "per_section": services.TEST_OUT_QUESTIONS_PER_SECTION,
            "section_count": sum(1 for e in outline if e.has_quiz),
        },
    )


def _test_out_sections(attempts, *, errors=None, selected=None):
    errors, selected = errors or {}, selected or {}
    sections = []
    number = 0
    for place, attempt in enumerate(attempts, start=1):
        questions = []
        for item in selectors.attempt_items(attempt=attempt):
            number += 1
            name = f"a{place}-q{item.position}"
            ticked = selected.get(name, [])
            questions.append(
                {
                    "name": name,
                    "number": number,
                    "type": item.shown["type"],
                    "scenario": item.shown.get("scenario", ""),
                    "prompt": item.shown["prompt"],
                    "several": item.allows_several_answers,
                    "error": errors.get((place, item.position)),
                    "choices": [
                        {"value": n, "text": c["text"], "checked": str(n) in ticked}
                        for n, c in enumerate(item.shown["choices"], start=1)
                    ],
                }
            )
        sections.append({"section": attempt.quiz.section, "questions": questions})
    return sections


@login_required
@require_GET
def test_out_take(request):
    course = _learner_course(request)
    if course is None:
        raise Http404("There is no course.")
    attempts = selectors.test_out_attempts(user=request.user, course=course, submitted=False)
    if not attempts:
        return redirect(_to("quizzes:test_out", course))
    return render(
        request,
        "quizzes/test_out.html",
        {"course": course, "sections": _test_out_sections(attempts), "error_count": 0},
    )


@login_required
@require_POST
def test_out_submit(request):
    course = _learner_course(request)
    if course is None:
        raise Http404("There is no course.")
    try:
        services.test_out_submit(user=request.user, course=course, data=request.POST)
    except services.TestOutUnavailable:
        return redirect(_to("quizzes:test_out", course))
    except DatabaseError:
        logger.exception("Saving the test-out of user %s failed", request.user.pk)
        return render(
            request,
            "quizzes/save_failed.html",
            {"retry_url": _to("quizzes:test_out_take", course)},
            status=503,
        )
    except services.AnswersInvalid as exc:
        attempts = selectors.test_out_attempts(user=request.user, course=course, submitted=False)
        selected = {key: request.POST.getlist(key) for key in request.POST if key.startswith("a")}
        sections = _test_out_sections(attempts, errors=exc.errors, selected=selected)
        return render(
            request,
            "quizzes/test_out.html",
            {"course": course, "sections": sections, "error_count": len(exc.errors)},
            status=400,
        )
    return redirect(_to("quizzes:test_out_result", course))


@login_required
@require_GET
def test_out_result(request):
    course = _learner_course(request)
    if course is None:
        raise Http404("There is no course.")
    attempts = selectors.test_out_attempts(user=request.user, course=course, submitted=True)
    if not attempts:
        return redirect(_to("quizzes:test_out", course))
    outline = course_outline(course=course, user=request.user)
    to_read = [e for e in outline if not e.section_passed]
    return render(
        request,
        "quizzes/test_out_result.html",
        {
            "course": course,
            "passed": [a for a in attempts if a.passed],
            "missed": [a for a in attempts if not a.passed],
            "to_read": to_read,
            "first_to_read": next((e for e in to_read if e.is_open), None),
        },
    )
