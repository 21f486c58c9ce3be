"""The second factor for everyone who can reach the admin (HR, principals, the district office,
editors, superusers): a TOTP code from an authenticator app, or one of ten one-time recovery
codes, through django-otp (TOTPDevice and StaticDevice).

A password alone opens nothing for them: the sign-in page keeps the person "pending" until a
code is right (eupsite.second_factor_views), and SecondFactorMiddleware sends any session that
got signed in another way (an invitation link, a printed sign-in code) to the same step before
any page. Learners have no second factor and never see it.

The codes are checked by django-otp; the limits on wrong codes are the site's own
(eupsite.throttling), so a person is told how long to wait."""

from __future__ import annotations

import re
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from eupsite.audit import audit
from eupsite.permissions import can_use_admin
from staff.groups import DISTRICT

WRONG_CODE = _(
    "That code is not right. Type the 6-digit code your authenticator app shows now, or one "
    "of your recovery codes."
)
WRONG_ENROLMENT_CODE = _(
    "That code is not right. Check that the app's clock is right and type the 6-digit code "
    "it shows now for this account."
)
NO_CODE = _("Type the 6-digit code from your authenticator app, or a recovery code.")

TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RESET_ACTION = "eupsite.second_factor_reset"
# Whether this session's admin menu shows the reset page: decided at sign-in (the page itself
# checks on every request), so admin pages spend no query on it.
SECOND_FACTOR_MENU_KEY = "second_factor_menu_shown"

# Set by the single sign-on step when the district's identity provider, not a password, signed
# the person in (the provider applies its own second factor): see session_verified_elsewhere.
VERIFIED_ELSEWHERE_SESSION_KEY = "second_factor_verified_elsewhere"


class SecondFactorRefused(Exception):
    """A code was refused. `reason` is "wrong_code" or "no_code"; str() is the message."""

    def __init__(self, *, reason: str, message):
        super().__init__(str(message))
        self.reason = reason


def second_factor_required(*, user) -> bool:
    """Whether `user` must pass a second factor after a password: anyone with admin access."""
    return user is not None and user.is_authenticated and can_use_admin(user)


def session_second_factor_passed(*, request) -> bool:
    user = request.user
    return (
        bool(getattr(user, "is_verified", lambda: False)())
        or request.session.get(VERIFIED_ELSEWHERE_SESSION_KEY) is True
    )


def session_verified_elsewhere(*, request) -> None:
    """For the single sign-on step: the district's identity provider signed this person in, and
    its own second factor stands in for ours."""
    request.session[VERIFIED_ELSEWHERE_SESSION_KEY] = True


def totp_device_confirmed(*, user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(*, user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_enrolment_device(*, user) -> TOTPDevice:
    """The authenticator being set up for `user`: the same secret on every visit until it is
    confirmed, so a reload does not invalidate what the person already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_key_text(*, device: TOTPDevice) -> str:
    """The secret as an authenticator app asks for it when typed: base32, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def totp_qr_svg(*, device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (no image request, no script: it draws
    under the site's Content-Security-Policy)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#1a1a1a", light="#ffffff", title=str(_("QR code for your authenticator app"))
    )


def _normalised(code: str) -> str:
    return re.sub(r"[\s\-]", "", code or "").lower()


@transaction.atomic
def totp_enrolment_confirm(*, user, device_id: int, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator being set up with a code it shows, and give the person new
    recovery codes. Returns the device and the codes (shown once).

    Raises SecondFactorRefused when the code is missing or not the device's current one."""
    code = _normalised(code)
    if not code:
        raise SecondFactorRefused(reason="no_code", message=NO_CODE)
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(pk=device_id, user=user, confirmed=False)
        .first()
    )
    if device is None or not device.verify_token(code):
        raise SecondFactorRefused(reason="wrong_code", message=WRONG_ENROLMENT_CODE)
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, recovery_codes_replace(user=user)


@transaction.atomic
def recovery_codes_replace(*, user) -> list[str]:
    """RECOVERY_CODE_COUNT new recovery codes for `user`; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_remaining(*, user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def second_factor_check(*, user, code: str):
    """The device that accepts `code` for `user`: the authenticator (a code not used before) or
    a recovery code, which is used up.

    Raises SecondFactorRefused when the code is missing or no device accepts it."""
    code = _normalised(code)
    if not code:
        raise SecondFactorRefused(reason="no_code", message=NO_CODE)
    devices = [
        *TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True),
        *StaticDevice.objects.select_for_update().filter(user=user, confirmed=True),
    ]
    for device in devices:
        if device.verify_token(code):
            return device
    raise SecondFactorRefused(reason="wrong_code", message=WRONG_CODE)


@transaction.atomic
def second_factor_reset(*, user, by) -> None:
    """Remove `user`'s authenticator and recovery codes (a lost phone): at their next sign-in
    they set up a new authenticator. Their signed-in sessions verified with the old one stop
    being verified, since the device they name is gone. Audited."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit(instance=user, action=RESET_ACTION, user=by, person=user.get_username())


def may_reset_second_factors(*, user) -> bool:
    """District administrators (and superusers) reset another person's second factor."""
    # Kept on the user object: the admin menu asks on every page, more than once.
    cached = getattr(user, "_may_reset_second_factors", None)
    if cached is None:
        cached = user.is_active and (
            user.is_superuser or user.groups.filter(name=DISTRICT).exists()
        )
        user._may_reset_second_factors = cached
    return cached


def people_with_admin_access():
    """Everyone who must use a second factor, with whether they have one, for the reset page."""
    User = get_user_model()
    admin_access = (
        Q(is_superuser=True)
        | Q(
            groups__permissions__codename="access_admin",
            groups__permissions__content_type__app_label="wagtailadmin",
        )
        | Q(
            user_permissions__codename="access_admin",
            user_permissions__content_type__app_label="wagtailadmin",
        )
    )
    return (
        User.objects.filter(admin_access, is_active=True)
        .distinct()
        .annotate(
            has_authenticator=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
        .order_by("last_name", "first_name", "username")
    )
