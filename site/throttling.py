"""Limits on guessing passwords, beside django-axes.

django-axes locks one account from one address after AXES_FAILURE_LIMIT wrong passwords. Two
more limits close what that leaves open:

- per address (LOGIN_FAILURES_PER_ADDRESS): one machine trying many accounts. It is sized for
  a school building, where hundreds of staff sign in from one public address at 8 a.m., so it
  counts only wrong passwords, never successful sign-ins;
- per account (LOGIN_FAILURES_PER_ACCOUNT): many addresses trying one account. Its window is
  short, so it slows guessing to a few tries a minute while a stranger who types wrong
  passwords on purpose can keep a person out for minutes, not for the day.

Both count in the shared cache (Redis in production) through django-ratelimit's counters.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

ADDRESS, ACCOUNT = "address", "account"


def _address(group, request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _account(group, request) -> str:
    return getattr(request, "login_username", "")


LIMITS = {
    ADDRESS: ("LOGIN_FAILURES_PER_ADDRESS", _address),
    ACCOUNT: ("LOGIN_FAILURES_PER_ACCOUNT", _account),
}


def _usage(request, which: str, *, increment: bool) -> dict | None:
    setting, key = LIMITS[which]
    return get_usage(
        request,
        group=f"eupsite.login_failures.{which}",
        key=key,
        rate=getattr(settings, setting),
        increment=increment,
    )


PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _minutes(rate: str) -> int:
    """The window of a django-ratelimit rate ("60/15m"), in whole minutes."""
    match = re.fullmatch(r"\d+/(\d*)([smhd])", rate)
    seconds = int(match.group(1) or 1) * PERIOD_SECONDS[match.group(2)]
    return max(1, seconds // 60)


def login_throttle_reason(*, request, username: str) -> str | None:
    """Why this sign-in may not even be tried now, or None. Looks, never counts."""
    request.login_username = (username or "").strip().casefold()
    for which in (ADDRESS, ACCOUNT):
        usage = _usage(request, which, increment=False)
        if usage and usage["count"] >= usage["limit"]:
            minutes = _minutes(getattr(settings, LIMITS[which][0]))
            if which == ADDRESS:
                return _(
                    "Too many wrong passwords have come from your network in the last "
                    "%(minutes)d minutes. Wait a few minutes and try again."
                ) % {"minutes": minutes}
            return _(
                "This account has had too many wrong passwords in the last %(minutes)d "
                "minutes. Wait %(minutes)d minutes and try again."
            ) % {"minutes": minutes}
    return None


def login_failure_record(*, request, username: str) -> None:
    request.login_username = (username or "").strip().casefold()
    for which in (ADDRESS, ACCOUNT):
        _usage(request, which, increment=True)


class LoginThrottleBackend:
    """First in AUTHENTICATION_BACKENDS: refuses to try a password while a limit is reached.
    Raising PermissionDenied stops Django from asking the backends after it. It has no
    get_user on purpose: it never signs anyone in, so sessions name the backend that did."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        reason = login_throttle_reason(request=request, username=username)
        if reason:
            request.login_throttled = reason
            raise PermissionDenied(reason)
        return None


@receiver(user_login_failed)
def count_failed_sign_in(sender, credentials, request=None, **kwargs):
    if request is not None and not getattr(request, "login_throttled", None):
        login_failure_record(request=request, username=credentials.get("username", ""))


class LoginThrottleMiddleware:
    """Answers a refused sign-in with the page that says why and what to do (429)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        reason = getattr(request, "login_throttled", None)
        if reason:
            return render(request, "registration/locked_out.html", {"reason": reason}, status=429)
        return response


# Wrong second-factor codes (eupsite.second_factor), counted the same way: per account, since
# the password was already right and six digits are few, and per address.
def _code_account(group, request) -> str:
    return str(getattr(request, "second_factor_user_id", ""))


SECOND_FACTOR_LIMITS = {
    ADDRESS: ("SECOND_FACTOR_FAILURES_PER_ADDRESS", _address),
    ACCOUNT: ("SECOND_FACTOR_FAILURES_PER_ACCOUNT", _code_account),
}


def _code_usage(request, which: str, *, increment: bool) -> dict | None:
    setting, key = SECOND_FACTOR_LIMITS[which]
    return get_usage(
        request,
        group=f"eupsite.second_factor_failures.{which}",
        key=key,
        rate=getattr(settings, setting),
        increment=increment,
    )


def second_factor_throttle_reason(*, request, user_id: int) -> str | None:
    """Why no code may be tried for this account now, or None. Looks, never counts."""
    request.second_factor_user_id = user_id
    for which in (ACCOUNT, ADDRESS):
        usage = _code_usage(request, which, increment=False)
        if usage and usage["count"] >= usage["limit"]:
            minutes = _minutes(getattr(settings, SECOND_FACTOR_LIMITS[which][0]))
            return _(
                "Too many wrong codes in the last %(minutes)d minutes. Wait %(minutes)d "
                "minutes and try again, or use one of your recovery codes then."
            ) % {"minutes": minutes}
    return None


def second_factor_failure_record(*, request, user_id: int) -> None:
    request.second_factor_user_id = user_id
    for which in (ACCOUNT, ADDRESS):
        _code_usage(request, which, increment=True)
