"""Single sign-on with the district's Google Workspace or Microsoft Entra ID (OpenID Connect,
through django-allauth). Who may sign in this way is decided here:

- the ID token is verified against the provider's JWKS every time (allauth skips the signature
  when the token came straight from the token endpoint; the district's rule is stricter), and
  its nonce must be the one this browser's sign-in started with (allauth's OpenID Connect
  provider sends none);
- the token must come from the district's own organisation: Google's `hd` is the district's
  domain, Entra's `tid` the district's tenant;
- the first sign-in finds an ACTIVE staff member on the roster, by the employee-id claim when
  the district configures one (SSO_EMPLOYEE_ID_CLAIM), else by an e-mail the provider asserts
  is verified. For Entra the `email` claim alone proves nothing (anyone can type any address
  into their profile in some tenants: the "nOAuth" takeover), so a verified-domain claim is
  required too (`xms_edov`, or the address among `verified_primary_email` /
  `verified_secondary_email`);
- after that, the issuer and subject stored on the social account decide: an address changed at
  the provider does not move the sign-in to someone else's record;
- no account is ever made for someone who is not on the roster, and deactivated staff are
  turned away.

Every refusal is a page saying what happened and what to do, never a server error.
"""

from __future__ import annotations

import enum
import logging
import secrets
from urllib.parse import urlsplit

import requests
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.providers.base.constants import AuthError, AuthProcess
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from eupsite.permissions import can_use_admin
from eupsite.second_factor import session_verified_elsewhere
from staff.selectors import staff_by_employee_id, staff_for_user, staff_with_email
from staff.services import SignInAccountUnavailable, staff_login_account_ensure

logger = logging.getLogger(__name__)

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class Refusal(enum.StrEnum):
    """Why a single sign-on was refused; each has its page text (REFUSAL_PAGES)."""

    NOT_ON_ROSTER = "not_on_roster"
    DEACTIVATED = "deactivated"
    UNVERIFIED_EMAIL = "unverified_email"
    WRONG_ORGANISATION = "wrong_organisation"
    TOKEN_REFUSED = "token_refused"  # noqa: S105 - a reason's name, not a secret
    CANCELLED = "cancelled"
    PROVIDER_UNAVAILABLE = "provider_unavailable"


REFUSAL_PAGES = {
    Refusal.NOT_ON_ROSTER: (
        403,
        _("You are not on the staff roster"),
        _(
            "You are not on the staff roster for this training, so you cannot sign in with "
            "this account. If you work for the district, contact %(hr)s to be added."
        ),
    ),
    Refusal.DEACTIVATED: (
        403,
        _("Your training account is closed"),
        _(
            "The staff roster lists you as no longer active, so you cannot sign in. If that is "
            "a mistake, contact %(hr)s."
        ),
    ),
    Refusal.UNVERIFIED_EMAIL: (
        403,
        _("Your work e-mail could not be confirmed"),
        _(
            "Your sign-in service did not confirm that this e-mail address is yours, so it "
            "cannot be matched to the staff roster. Sign in with your district account, or "
            "contact %(hr)s."
        ),
    ),
    Refusal.WRONG_ORGANISATION: (
        403,
        _("This is not a district account"),
        _(
            "This account does not belong to the district. Sign out of it at your sign-in "
            "service, then sign in with your district account."
        ),
    ),
    Refusal.TOKEN_REFUSED: (
        401,
        _("The sign-in could not be completed"),
        _(
            "The answer from your sign-in service could not be trusted or had expired, so you "
            "were not signed in. Start again from the sign-in page; if it keeps happening, tell "
            "the district's IT department."
        ),
    ),
    Refusal.CANCELLED: (
        200,
        _("Sign-in cancelled"),
        _("You cancelled signing in. You can start again from the sign-in page."),
    ),
    Refusal.PROVIDER_UNAVAILABLE: (
        503,
        _("The sign-in service is not answering"),
        _(
            "The district's sign-in service could not be reached. Try again in a few minutes, "
            "or sign in with your password or sign-in code if you have one."
        ),
    ),
}


class SignInRefused(Exception):
    def __init__(self, reason: Refusal):
        super().__init__(reason.value)
        self.reason = reason


def refusal_page(*, request, reason: Refusal, provider_name: str = ""):
    status, title, message = REFUSAL_PAGES[reason]
    context = {
        "title": title,
        "message": message % {"hr": settings.DISTRICT_HR_CONTACT},
        "provider_name": provider_name,
        "reason": reason.value,
    }
    return render(request, "sso/refused.html", context, status=status)


# --- the rules --------------------------------------------------------------------------------


def _is_true(value) -> bool:
    """A boolean claim, as providers write it: true, "true", or (Entra) 1."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return value is True or value == 1


def sso_organisation_check(*, app_settings: dict, claims: dict) -> None:
    """The ID token comes from the district's own Google Workspace domain (`hd`) or Entra
    tenant (`tid`). A provider configured without its domain or tenant accepts no one.

    Raises SignInRefused(WRONG_ORGANISATION)."""
    kind = app_settings.get("district_kind")
    if kind == "google":
        expected, claimed = app_settings.get("district_domain", ""), claims.get("hd", "")
    elif kind == "microsoft":
        expected, claimed = app_settings.get("district_tenant", ""), claims.get("tid", "")
    else:
        expected, claimed = "", ""
    if not expected or str(claimed).strip().lower() != expected:
        raise SignInRefused(Refusal.WRONG_ORGANISATION)


def sso_verified_email(*, app_settings: dict, claims: dict) -> str | None:
    """The e-mail address the provider asserts belongs to this person, lower-cased, or None.
    Google: `email_verified` is true (and `hd`, checked by sso_organisation_check). Entra: the
    domain-verified claim `xms_edov` is true, or the address is among `verified_primary_email`
    or `verified_secondary_email`; never the `email` claim alone."""
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        return None
    kind = app_settings.get("district_kind")
    if kind == "google":
        return email if _is_true(claims.get("email_verified")) else None
    if kind == "microsoft":
        if _is_true(claims.get("xms_edov")):
            return email
        verified = []
        for claim in ("verified_primary_email", "verified_secondary_email"):
            value = claims.get(claim) or []
            verified += [value] if isinstance(value, str) else list(value)
        return email if email in {str(v).strip().lower() for v in verified} else None
    return None


def sso_staff_for_first_sign_in(*, app_settings: dict, claims: dict):
    """The staff member a person's first single sign-on is for: by the employee-id claim when
    the district names one (SSO_EMPLOYEE_ID_CLAIM) and the token carries it, else by the
    verified e-mail address.

    Raises SignInRefused: UNVERIFIED_EMAIL when neither identifies anyone and the e-mail was
    not verified, NOT_ON_ROSTER when nobody on the roster matches."""
    claim = settings.SSO_EMPLOYEE_ID_CLAIM
    employee_id = str(claims.get(claim) or "").strip() if claim else ""
    if employee_id:
        staff = staff_by_employee_id(employee_id=employee_id)
        if staff is not None:
            return staff
    email = sso_verified_email(app_settings=app_settings, claims=claims)
    if email is None:
        if employee_id:
            raise SignInRefused(Refusal.NOT_ON_ROSTER)
        raise SignInRefused(Refusal.UNVERIFIED_EMAIL)
    staff = staff_with_email(email=email)
    if staff is None:
        raise SignInRefused(Refusal.NOT_ON_ROSTER)
    return staff


def sso_sign_in_user(*, app_settings: dict, claims: dict, expected_nonce: str, linked_user=None):
    """The login account to sign in, for an ID token whose signature, issuer, audience and
    expiry allauth has verified. `linked_user` is the account the token's issuer and subject
    were linked to at an earlier sign-in, if any: it decides, whatever the token's e-mail says.

    Raises SignInRefused (TOKEN_REFUSED for a missing or wrong nonce), writing nothing."""
    nonce = str(claims.get("nonce") or "")
    if not expected_nonce or not secrets.compare_digest(nonce, expected_nonce):
        raise SignInRefused(Refusal.TOKEN_REFUSED)
    sso_organisation_check(app_settings=app_settings, claims=claims)
    if linked_user is not None:
        staff = staff_for_user(user=linked_user)
        if staff is None:
            raise SignInRefused(Refusal.NOT_ON_ROSTER)
    else:
        staff = sso_staff_for_first_sign_in(app_settings=app_settings, claims=claims)
    if not staff.is_active:
        raise SignInRefused(Refusal.DEACTIVATED)
    try:
        return staff_login_account_ensure(staff=staff)
    except SignInAccountUnavailable:
        raise SignInRefused(Refusal.DEACTIVATED) from None


# --- allauth's side ---------------------------------------------------------------------------


class DistrictOIDCAdapter(OpenIDConnectOAuth2Adapter):
    @property
    def openid_config(self):
        """The provider's discovery document; a provider that does not answer, or answers
        nonsense, gets the "not answering" page instead of a server error."""
        try:
            config = super().openid_config
            for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
                config[key]  # noqa: B018 - a document without them cannot be used
        except (requests.RequestException, ValueError, KeyError, TypeError) as error:
            logger.warning("Single sign-on: the provider's discovery failed: %s", error)
            raise ImmediateHttpResponse(
                refusal_page(request=self.request, reason=Refusal.PROVIDER_UNAVAILABLE)
            ) from error
        return config

    def _decode_id_token(self, app, id_token: str) -> dict:
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )


class DistrictOIDCProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider with the district's rules: a nonce, a verified
    signature, no parameters taken from the request, and the issuer in the stored uid."""

    oauth2_adapter_class = DistrictOIDCAdapter

    def get_auth_params_from_request(self, request, action):
        return self.get_auth_params()

    def get_scope_from_request(self, request):
        return self.get_scope()

    def extract_uid(self, data):
        # Issuer and subject: a subject is unique only within its issuer (OIDC Core 2).
        claims = data.get("id_token") or data
        return f"{claims['iss']}#{claims['sub']}"

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        # Always a sign-in: allauth's "connect" (link a provider account to whoever is signed
        # in) and "redirect" processes would go around the roster rules.
        process = AuthProcess.LOGIN
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        return super().redirect(
            request,
            process,
            next_url,
            data,
            auth_params={**auth_params, "nonce": nonce},
            oidc_nonce=nonce,
            **kwargs,
        )


class DistrictSocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False

    def pre_social_login(self, request, sociallogin):
        provider = sociallogin.account.get_provider()
        claims = (sociallogin.account.extra_data or {}).get("id_token") or {}
        try:
            user = sso_sign_in_user(
                app_settings=provider.app.settings,
                claims=claims,
                expected_nonce=(sociallogin.state or {}).get("oidc_nonce", ""),
                linked_user=sociallogin.user if sociallogin.is_existing else None,
            )
        except SignInRefused as refused:
            logger.info(
                "Single sign-on refused (%s) for %s", refused.reason, sociallogin.account.uid
            )
            raise ImmediateHttpResponse(
                refusal_page(request=request, reason=refused.reason, provider_name=provider.name)
            ) from None
        user.backend = MODEL_BACKEND
        if sociallogin.is_existing:
            sociallogin.user = sociallogin.account.user = user
        else:
            sociallogin.connect(request, user)

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        if error == AuthError.CANCELLED:
            reason = Refusal.CANCELLED
        elif isinstance(exception, requests.RequestException) or isinstance(
            getattr(exception, "__cause__", None), requests.RequestException
        ):
            reason = Refusal.PROVIDER_UNAVAILABLE
        else:
            reason = Refusal.TOKEN_REFUSED
        logger.warning("Single sign-on failed (%s, %s): %r", reason, error, exception)
        raise ImmediateHttpResponse(
            refusal_page(
                request=request,
                reason=reason,
                provider_name=getattr(provider, "name", ""),
            )
        )


class DistrictAccountAdapter(DefaultAccountAdapter):
    """allauth's accounts serve single sign-on only: no sign-up, and after signing in people
    land where the password sign-in sends them (administrators on the admin's dashboard)."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def post_login(self, request, user, **kwargs):
        # The district's identity provider signed this person in and applies its own second
        # factor (the district's Google or Entra policy), so ours is not asked again, unless
        # the district says its provider does not (SSO_COUNTS_AS_SECOND_FACTOR=off).
        if (kwargs.get("signal_kwargs") or {}).get("sociallogin") is not None and (
            settings.SSO_COUNTS_AS_SECOND_FACTOR
        ):
            session_verified_elsewhere(request=request)
        return super().post_login(request, user, **kwargs)

    def get_login_redirect_url(self, request):
        if can_use_admin(request.user):
            return reverse("wagtailadmin_home")
        return settings.LOGIN_REDIRECT_URL


def sso_form_action_sources() -> list[str]:
    """The origins a sign-in form's POST may be redirected to: each configured provider's
    issuer. Browsers apply CSP's form-action to the redirects that follow a form submission,
    so under `form-action 'self'` the button's redirect to the provider would be blocked.
    (Google's and Entra's authorization endpoints share their issuer's origin.)"""
    origins = []
    for app in settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", []):
        url = urlsplit(app["settings"]["server_url"])
        origins.append(f"{url.scheme}://{url.netloc}")
    return sorted(set(origins))


def sso_buttons(*, request) -> list[dict]:
    """The configured providers, as the sign-in page shows them: name and where to POST."""
    buttons = []
    for app in settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", []):
        buttons.append(
            {
                "id": app["provider_id"],
                "name": app["name"],
                "url": reverse("openid_connect_login", kwargs={"provider_id": app["provider_id"]}),
            }
        )
    return buttons
