from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """A staff member's invitation link: set a password, which also activates the account."""

    template_name = "staff/invitation_accept.html"
    success_url = reverse_lazy("invitation_done")
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def form_valid(self, form):
        form.user.is_active = True
        return super().form_valid(form)


class InvitationDoneView(auth_views.PasswordResetCompleteView):
    template_name = "staff/invitation_done.html"
