"""The admin's Translations screens: each version of a course's translation, read beside the
English and marked reviewed by a district administrator before learners see it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .models import CourseTranslation

REVIEW_PERMISSION = "training.review_coursetranslation"


def _require_reviewer(request):
    if not request.user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied


@require_http_methods(["GET"])
def translations(request):
    _require_reviewer(request)
    versions = selectors.course_translation_versions()
    # What learners read now: per course and language, the newest reviewed version.
    shown = {}
    for version in versions:
        if version.reviewed_at is not None:
            shown.setdefault((version.course_id, version.language), version.pk)
    return TemplateResponse(
        request,
        "training/admin/translations.html",
        {"versions": versions, "shown_ids": set(shown.values())},
    )


@require_http_methods(["GET", "POST"])
def translation_review(request, pk: int):
    """GET: the version beside the English. POST: mark it reviewed, so learners read it."""
    _require_reviewer(request)
    translation = get_object_or_404(CourseTranslation.objects.select_related("course"), pk=pk)
    if request.method == "POST":
        if services.course_translation_mark_reviewed(translation=translation, user=request.user):
            messages.success(
                request,
                gettext("%(translation)s is reviewed: learners who read %(language)s now see it.")
                % {"translation": translation, "language": translation.language_name.lower()},
            )
        else:
            messages.info(request, gettext("This version was already reviewed."))
        return redirect("translations")
    return TemplateResponse(
        request,
        "training/admin/translation_review.html",
        selectors.translation_review(translation=translation),
    )
