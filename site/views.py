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
from eupsite.tasks import password_reset_email_send


class SiteLoginView(auth_views.LoginView):
    """Sign-in for everyone. Administrators (HR, principals, the district office, editors)
    come to sign in for the admin, so with no particular page asked for they land on its
    dashboard rather than on the course."""

    form_class = SiteAuthenticationForm
    redirect_authenticated_user = True

    def get_redirect_url(self):
        asked_for = super().get_redirect_url()
        if asked_for in ("", "/") and can_use_admin(self.request.user):
            return reverse("wagtailadmin_home")
        return asked_for


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


@login_required
def course_image(request, name: str):
    """An image of the course (a Wagtail rendition or original) for a signed-in person."""
    path = f"images/{name}"
    if ".." in name.split("/") or not default_storage.exists(path):
        raise Http404("No such image.")
    return FileResponse(default_storage.open(path, "rb"))
