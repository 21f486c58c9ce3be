"""The learner's quiz pages: take a quiz, submit it, see the result. Thin: the rules are in
services and selectors."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from training.models import SectionPage
from training.selectors import course_outline, learner_section_entry, source_titles

from . import selectors, services
from .models import Attempt

logger = logging.getLogger(__name__)


@login_required
@require_GET
def quiz_take(request, section_id: int):
    section = get_object_or_404(SectionPage.objects.live(), pk=section_id)
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
        if str(exc) in (services.SLIDES_NOT_READ, services.SECTION_LOCKED):
            messages.info(request, str(exc))
            target = section.url if str(exc) == services.SLIDES_NOT_READ else "/"
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
    section = attempt.quiz.section
    if not attempt.is_submitted:
        return redirect("quizzes:take", section_id=section.pk)
    course = section.get_parent().specific
    outline = course_outline(course=course, user=request.user)
    entry = next((e for e in outline if e.section.pk == section.pk), None)
    next_entry = None
    if entry is not None and entry.position < len(outline):
        next_entry = outline[entry.position]
    return render(
        request,
        "quizzes/result.html",
        {
            "section": section,
            "course": course,
            "entry": entry,
            "next_entry": next_entry,
            "attempt": attempt,
            "items": selectors.attempt_items(attempt=attempt),
            "source_titles": source_titles(),
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
