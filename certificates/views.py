"""Completion (signing the acknowledgement), certificate downloads and the public
verification page. Thin: the rules live in services and selectors."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from eupsite.parsing import number_from_request

from . import selectors, services
from .codes import code_normalise


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@login_required
@require_http_methods(["GET", "POST"])
def completion(request):
    from staff.selectors import staff_for_user
    from training.selectors import (
        course_for_request,
        policy_documents,
        reviewed_translation,
        source_documents,
    )

    course = course_for_request(request.GET.get("course"))
    if course is None:
        raise Http404("No such course.")
    staff = staff_for_user(user=request.user)
    text = services.acknowledgement_text(course=course)
    error = None
    typed_name = ""
    if request.method == "POST":
        typed_name = request.POST.get("typed_name", "")
        try:
            certificate = services.acknowledgement_sign(
                user=request.user,
                typed_name=typed_name,
                confirmed=request.POST.get("confirm") == "yes",
                ip_address=_client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                course=course,
                translation_shown=number_from_request(request.POST.get("translation")),
            )
        except services.CompletionRefused as exc:
            error = str(exc)
        else:
            messages.success(request, gettext("Thank you. Your training is complete."))
            return redirect("certificates:detail", code=certificate.code)
    return render(
        request,
        "certificates/completion.html",
        {
            "course": course,
            "staff": staff,
            "text": text,
            "source_title": (
                source_documents().get(text.source_document, {}).get("title") if text else None
            ),
            "policies": policy_documents(filenames=tuple(text.policies)) if text else [],
            "error": error,
            "typed_name": typed_name,
            # The reviewed translation shown beside the English, which the signature records.
            "translation": reviewed_translation(course_id=course.pk),
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def certificate_detail(request, code: str):
    certificate = selectors.certificate_for_download(user=request.user, code=code)
    if certificate is None:
        raise Http404("No such certificate.")
    return render(
        request,
        "certificates/detail.html",
        {"certificate": certificate, "state": selectors.certificate_state(certificate)},
    )


@login_required
@require_GET
def certificate_download(request, code: str):
    certificate = selectors.certificate_for_download(user=request.user, code=code)
    if certificate is None:
        raise Http404("No such certificate.")
    try:
        data = services.certificate_pdf(certificate=certificate)
    except services.CertificateUnavailable as exc:
        return render(request, "certificates/unavailable.html", {"reason": str(exc)}, status=503)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    return response


@require_GET
@ratelimit(key="ip", rate=lambda group, request: settings.VERIFY_RATE_LIMIT, block=False)
def verify(request, code: str | None = None):
    """Public: anyone with a code may check a certificate. It shows the holder's name, the
    course, completion and expiry dates and the state, nothing else. Requests per address are
    limited, so codes cannot be guessed by brute force."""
    if getattr(request, "limited", False):
        return render(request, "certificates/verify_limited.html", status=429)
    typed = code if code is not None else request.GET.get("code")
    if code is None and typed:
        normalised = code_normalise(typed)
        if normalised:
            return redirect("certificates:verify", code=normalised)
    state, certificate = (None, None)
    if typed:
        state, certificate = selectors.certificate_verify(code=typed)
    return render(
        request,
        "certificates/verify.html",
        {
            "typed": typed or "",
            "state": state,
            "certificate": certificate,
            "superseded_by": (
                selectors.certificate_superseded_by(certificate) if certificate else None
            ),
        },
        status=404 if state == selectors.NOT_FOUND else 200,
    )
