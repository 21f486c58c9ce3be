"""The second-factor pages: the code step after a right password, setting up an authenticator
the first time, and the recovery codes. The rules are in eupsite.second_factor."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from eupsite import second_factor as sf
from eupsite.forms import SecondFactorForm
from eupsite.throttling import second_factor_failure_record, second_factor_throttle_reason

# Who typed a right password and still owes the code, in the (not yet signed-in) session.
PENDING_SESSION_KEY = "second_factor_pending"


def pending_start(request, *, user, next_url: str) -> None:
    request.session[PENDING_SESSION_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "at": int(time.time()),
    }


def _safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("wagtailadmin_home")


def _person(request):
    """(user, backend, next) of whoever owes the second factor now, or None: a signed-in person
    whose session is not verified (signed in by an invitation link, say), or the one whose
    password was right a moment ago."""
    if request.user.is_authenticated:
        if sf.second_factor_required(user=request.user) and not sf.session_second_factor_passed(
            request=request
        ):
            return request.user, None, _safe_next(request, request.GET.get("next"))
        return None
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending or time.time() - pending["at"] > settings.SECOND_FACTOR_PENDING_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return None
    return user, pending["backend"], _safe_next(request, pending["next"])


def _start_again(request):
    messages.info(request, _("Sign in with your password first; then type your code."))
    return redirect("login")


def _finish(request, *, user, backend: str | None, device) -> None:
    """Sign the person in (if the password step left them pending) with the session verified."""
    if not request.user.is_authenticated:
        login(request, user, backend=backend)
    otp_login(request, device)
    request.session.pop(PENDING_SESSION_KEY, None)


def _code_checked(request, *, user, form, invalid, check):
    """A posted code through the limits and `check` (which raises SecondFactorRefused).
    Returns (what check returned, None, 200), or (None, the message to show, its status):
    nothing posted yet is (None, None, 200)."""
    if request.method != "POST":
        return None, None, 200
    if not form.is_valid():
        return None, str(invalid), 400
    limited = second_factor_throttle_reason(request=request, user_id=user.pk)
    if limited:
        return None, limited, 429
    try:
        return check(form.cleaned_data["code"]), None, 200
    except sf.SecondFactorRefused as refused:
        if refused.reason == "wrong_code":
            second_factor_failure_record(request=request, user_id=user.pk)
        return None, str(refused), 400


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_verify(request):
    person = _person(request)
    if person is None:
        return _start_again(request) if not request.user.is_authenticated else redirect("/")
    user, backend, next_url = person
    if not sf.has_second_factor(user=user):
        return redirect(f"{reverse('second_factor_enrol')}?{urlencode({'next': next_url})}")
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    device, error, status = _code_checked(
        request,
        user=user,
        form=form,
        invalid=sf.WRONG_CODE,
        check=lambda code: sf.second_factor_check(user=user, code=code),
    )
    if device is not None:
        _finish(request, user=user, backend=backend, device=device)
        if isinstance(device, sf.StaticDevice):
            messages.warning(
                request,
                _(
                    "You signed in with a recovery code; %(n)d remain. Each works once: "
                    "make new ones on the recovery codes page if you are running out."
                )
                % {"n": sf.recovery_codes_remaining(user=user)},
            )
        return redirect(next_url)
    return render(
        request,
        "second_factor/verify.html",
        {"form": form, "error": error, "person": user, "next": next_url},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_enrol(request):
    person = _person(request)
    if person is None:
        return _start_again(request) if not request.user.is_authenticated else redirect("/")
    user, backend, next_url = person
    if sf.has_second_factor(user=user):
        return redirect(f"{reverse('second_factor')}?{urlencode({'next': next_url})}")
    device = sf.totp_enrolment_device(user=user)
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    confirmed, error, status = _code_checked(
        request,
        user=user,
        form=form,
        invalid=sf.WRONG_ENROLMENT_CODE,
        check=lambda code: sf.totp_enrolment_confirm(user=user, device_id=device.pk, code=code),
    )
    if confirmed is not None:
        device, codes = confirmed
        _finish(request, user=user, backend=backend, device=device)
        return render(
            request,
            "second_factor/recovery_codes.html",
            {"codes": codes, "next": next_url, "just_enrolled": True},
        )
    return render(
        request,
        "second_factor/enrol.html",
        {
            "form": form,
            "error": error,
            "person": user,
            "qr_svg": sf.totp_qr_svg(device=device),
            "key_text": sf.totp_key_text(device=device),
            "next": next_url,
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """How many recovery codes are left, and a button for new ones (shown once)."""
    if not sf.second_factor_required(user=request.user):
        return redirect("/")
    codes = None
    if request.method == "POST":
        codes = sf.recovery_codes_replace(user=request.user)
    return render(
        request,
        "second_factor/recovery_codes.html",
        {
            "codes": codes,
            "remaining": sf.recovery_codes_remaining(user=request.user),
            "next": reverse("wagtailadmin_home"),
        },
    )
