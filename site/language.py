"""The language a person reads the site in: English or Spanish (settings.LANGUAGES).

The first choice comes from the browser (Accept-Language, through Django's LocaleMiddleware).
A person who picks a language with the switcher keeps it: a cookie for this browser and, when
signed in, their account (Wagtail's user profile, whose preferred_language the admin reads too),
so the choice follows them to another device at their next sign-in. The account's choice is
copied into the session at sign-in: reading it on each request would cost a query a page.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ObjectDoesNotExist
from django.dispatch import receiver
from django.shortcuts import redirect
from django.utils import translation
from django.views.decorators.http import require_http_methods
from django.views.i18n import set_language

# Where the account's language is kept for the session (what AccountLanguageMiddleware reads).
SESSION_LANGUAGE_KEY = "account_language"


def current_language() -> str:
    """The language being used now (the request's, else the site's default), as a code of
    settings.LANGUAGES: what a record of what a person was shown stores."""
    return translation.get_supported_language_variant(
        translation.get_language() or settings.LANGUAGE_CODE
    )


def default_language() -> str:
    """The district's language: what someone who chose none is written to in."""
    return translation.get_supported_language_variant(settings.LANGUAGE_CODE)


def person_language(*, user) -> str:
    """The language to write to `user` in when they are not reading the site at that moment
    (a reminder, an invitation, a prepared file): the one they chose for their account, else
    the district's. Their profile is read unless select_related("wagtail_userprofile")
    brought it."""
    return (account_language(user=user) if user is not None else None) or default_language()


def supported_language(code: str | None) -> str | None:
    """`code` when the site speaks it (settings.LANGUAGES), else None."""
    return code if code in dict(settings.LANGUAGES) else None


def account_language(*, user) -> str | None:
    """The language `user` chose for their account, or None (then the browser's is used)."""
    try:
        return supported_language(user.wagtail_userprofile.preferred_language)
    except ObjectDoesNotExist:  # no profile yet: nothing chosen
        return None


def account_language_set(*, user, language: str) -> None:
    """Remember `language` on `user`'s account (the same setting as the admin's Account page)."""
    from wagtail.users.models import UserProfile

    UserProfile.objects.update_or_create(user=user, defaults={"preferred_language": language})


# Wagtail's Account page, where a person sets the language of their account too.
ADMIN_ACCOUNT_VIEW = "wagtailadmin_account"


class AccountLanguageMiddleware:
    """After LocaleMiddleware and authentication: a signed-in person's own choice of language
    wins over their browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        chosen = supported_language(session.get(SESSION_LANGUAGE_KEY)) if session else None
        if chosen and chosen != request.LANGUAGE_CODE:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        if (
            session is not None
            and request.method == "POST"
            and getattr(request.resolver_match, "url_name", None) == ADMIN_ACCOUNT_VIEW
            and response.status_code == 302
            and request.user.is_authenticated
        ):
            # The admin's Account page saved the account's language: this session follows it
            # now, not at the next sign-in (the profile is read afresh: the view changed it).
            from wagtail.users.models import UserProfile

            saved = UserProfile.objects.filter(user=request.user).values_list(
                "preferred_language", flat=True
            )
            session[SESSION_LANGUAGE_KEY] = supported_language(saved.first()) or ""
        return response


@receiver(user_logged_in)
def _language_follows_the_account(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        chosen = account_language(user=user)
        if chosen:
            request.session[SESSION_LANGUAGE_KEY] = chosen
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen


@require_http_methods(["GET", "POST"])
def language_switch(request):
    """The switcher's form (POST, with CSRF): Django's set_language (the cookie, and a safe
    return to `next`), and for a signed-in person the account and this session too. An
    unknown language changes nothing and returns the person to where they were. A GET (the
    sign-in page sends someone back here after a timeout) changes nothing and goes home."""
    if request.method == "GET":
        return redirect("/")
    response = set_language(request)
    chosen = supported_language(request.POST.get("language"))
    if chosen and request.user.is_authenticated:
        account_language_set(user=request.user, language=chosen)
        request.session[SESSION_LANGUAGE_KEY] = chosen
    return response
