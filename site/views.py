from django.contrib.auth import views as auth_views
from django.urls import reverse

from eupsite.forms import SiteAuthenticationForm
from eupsite.permissions import can_use_admin


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
