from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django_ratelimit.core import is_ratelimited

from eupsite.forms import SiteAuthenticationForm
from eupsite.permissions import can_use_admin
from eupsite.second_factor import second_factor_required
from eupsite.second_factor_views import pending_start
from eupsite.sso import DistrictOIDCAdapter, sso_buttons, sso_form_action_sources
from eupsite.sso_policy import (
    SSO_REQUIRED_MESSAGE,
    password_sign_in_allowed,
    sso_required_for_staff,
)
from eupsite.tasks import password_reset_email_send


class SiteLoginView(auth_views.LoginView):
    """Sign-in for everyone. Administrators (HR, principals, the district office, editors)
    come to sign in for the admin, so with no particular page asked for they land on its
    dashboard rather than on the course. For them a right password is only the first step: they
    are signed in after the second factor (eupsite.second_factor_views)."""

    form_class = SiteAuthenticationForm
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        # A signed-in learner sent here by the admin (which they may not use) goes to the course,
        # where the admin's "no permission" message shows; sending them back would loop.
        if (
            request.user.is_authenticated
            and self.get_redirect_url().startswith(settings.ADMIN_URL_PREFIX)
            and not can_use_admin(request.user)
        ):
            return HttpResponseRedirect(settings.LOGIN_REDIRECT_URL)
        return super().dispatch(request, *args, **kwargs)

    def get_redirect_url(self):
        asked_for = super().get_redirect_url()
        if asked_for in ("", "/") and can_use_admin(self.request.user):
            return reverse("wagtailadmin_home")
        return asked_for

    def form_valid(self, form):
        user = form.get_user()
        if not second_factor_required(user=user):
            return super().form_valid(form)
        asked_for = super().get_redirect_url()
        pending_start(
            self.request,
            user=user,
            next_url=asked_for if asked_for not in ("", "/") else reverse("wagtailadmin_home"),
        )
        return HttpResponseRedirect(reverse("second_factor"))

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        return _sso_forms_allowed(response)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "sso_buttons": sso_buttons(request=self.request),
            "sso_required": sso_required_for_staff(),
        }


def _sso_forms_allowed(response):
    """Let this page's sign-in buttons be redirected to the configured providers (CSP's
    form-action applies to a form's redirects too)."""
    sources = sso_form_action_sources()
    if sources:
        response._csp_update = {"form-action": sources}
    return response


def sso_login(request, provider_id: str):
    """Start single sign-on with a configured provider (a POST from the sign-in page's button).
    allauth's own OpenID Connect views would use its stock adapter, which skips the ID token's
    signature check; these use the district's (eupsite.sso)."""
    try:
        view = OAuth2LoginView.adapter_view(DistrictOIDCAdapter(request, provider_id))
        return _sso_forms_allowed(view(request))
    except SocialApp.DoesNotExist:
        raise Http404("No such sign-in service.") from None


def sso_callback(request, provider_id: str):
    """Where the provider sends the browser back with the authorization code."""
    try:
        return OAuth2CallbackView.adapter_view(DistrictOIDCAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404("No such sign-in service.") from None


def _reset_email(group, request) -> str:
    return request.POST.get("email", "").strip().casefold()


class SitePasswordResetView(auth_views.PasswordResetView):
    """Asks for a reset link. Limited per address and per e-mail address asked for, and the same
    work whether or not the address has an account: the lookup and the e-mail happen in the
    background (eupsite.tasks.password_reset_email_send)."""

    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        limits = [
            ("ip", settings.RESET_REQUESTS_PER_ADDRESS),
            (_reset_email, settings.RESET_REQUESTS_PER_EMAIL),
        ]
        for key, rate in limits:
            if is_ratelimited(
                self.request, group="eupsite.password_reset", key=key, rate=rate, increment=True
            ):
                return render(self.request, "registration/password_reset_limited.html", status=429)
        password_reset_email_send.enqueue(
            form.cleaned_data["email"], self.request.get_host(), self.request.is_secure()
        )
        return HttpResponseRedirect(self.get_success_url())


class SitePasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the reset e-mail. With single sign-on required, a learner's link (sent
    before the district turned it on) gives no password."""

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is not None and not password_sign_in_allowed(user=user):
            self.sso_refused = True
            return None
        return user

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "sso_refused": getattr(self, "sso_refused", False),
            "sso_message": SSO_REQUIRED_MESSAGE,
        }


@login_required
def course_image(request, name: str):
    """An image of the course (a Wagtail rendition or original) for a signed-in person."""
    path = f"images/{name}"
    if ".." in name.split("/") or not default_storage.exists(path):
        raise Http404("No such image.")
    return FileResponse(default_storage.open(path, "rb"))
