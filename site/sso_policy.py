"""Who may sign in with a password, when the district requires single sign-on for staff.

With SSO_REQUIRED_FOR_STAFF on, learners sign in only through the district's identity provider
("Sign in with Google" / "Sign in with Microsoft"). People who can reach the admin keep their
password, always followed by the second factor (eupsite.second_factor): when the identity
provider is down, someone must still be able to sign in and run the district's training.

Every way to sign in or to get a password asks password_sign_in_allowed(): the sign-in form,
the password reset e-mail, the invitation link and the printed sign-in code."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _

from eupsite.permissions import can_use_admin

SSO_REQUIRED_MESSAGE = _(
    "Your district signs staff in through its own account: use the “Sign in with Google” "
    "or “Sign in with Microsoft” button on the sign-in page, not a password."
)


def sso_required_for_staff() -> bool:
    return bool(settings.SSO_REQUIRED_FOR_STAFF)


def password_sign_in_allowed(*, user) -> bool:
    """Whether `user` may sign in with (or be given) a password. Always, unless the district
    requires SSO for staff; then only people who can reach the admin (they pass a second
    factor after the password)."""
    if not sso_required_for_staff():
        return True
    return user is not None and can_use_admin(user)


@checks.register(checks.Tags.security)
def sso_required_has_a_provider(app_configs=None, **kwargs) -> list:
    """Requiring SSO with no provider configured would leave learners no way in at all."""
    if sso_required_for_staff() and not sso_provider_names():
        return [
            checks.Error(
                "SSO_REQUIRED_FOR_STAFF is on but no sign-in service is configured, so learners "
                "could not sign in at all.",
                hint="Set SSO_GOOGLE_CLIENT_ID and SSO_GOOGLE_CLIENT_SECRET, or "
                "SSO_MICROSOFT_CLIENT_ID and SSO_MICROSOFT_CLIENT_SECRET (README, Single "
                "sign-on), or turn SSO_REQUIRED_FOR_STAFF off.",
                id="eupsite.E001",
            )
        ]
    return []


def sso_provider_names() -> list[str]:
    """The names on the sign-in page's buttons ("Google", "Microsoft"), as configured."""
    providers = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {})
    return [app["name"] for app in providers.get("APPS", [])]
