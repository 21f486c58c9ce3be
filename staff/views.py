from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from eupsite.sso_policy import SSO_REQUIRED_MESSAGE, password_sign_in_allowed
from eupsite.tokens import account_token_generator

from . import selectors, services
from .forms import SignInCodeForm


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """A staff member's invitation link: set a password, which also activates the account."""

    template_name = "staff/invitation_accept.html"
    success_url = reverse_lazy("invitation_done")
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    token_generator = account_token_generator

    def get_user(self, uidb64):
        # Only for someone the invitation was for: an active staff member whose account never
        # had a password. So a password-reset link opened here (same token format) cannot turn
        # an account back on, and a deactivated person's old invitation gives no way back in.
        user = super().get_user(uidb64)
        if user is not None and not selectors.invitation_may_be_accepted(user=user):
            return None
        # With single sign-on required, a learner's invitation gives no password: they sign in
        # through the district's identity provider (eupsite.sso_policy).
        if user is not None and not password_sign_in_allowed(user=user):
            self.sso_refused = True
            return None
        return user

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_refused"] = getattr(self, "sso_refused", False)
        context["sso_message"] = SSO_REQUIRED_MESSAGE
        return context

    def form_valid(self, form):
        form.user.is_active = True
        return super().form_valid(form)


class InvitationDoneView(auth_views.PasswordResetCompleteView):
    template_name = "staff/invitation_done.html"


# The employee id's code, once checked, waits in the (anonymous) session for the password.
SIGN_IN_CODE_SESSION_KEY = "staff_sign_in_code"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(
    key="ip",
    rate=lambda group, request: settings.SIGN_IN_CODE_RATE_LIMIT,
    method="POST",
    block=False,
)
def sign_in_code(request):
    """Public: a staff member without a work e-mail signs in the first time with their
    employee id and the code HR printed for them, then chooses a password. Attempts per
    address are limited, and each code survives only a few wrong tries, so codes cannot be
    guessed."""
    if getattr(request, "limited", False):
        return render(request, "staff/sign_in_code_limited.html", status=429)
    form = SignInCodeForm(request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            code = services.sign_in_code_check(
                employee_id=form.cleaned_data["employee_id"],
                typed_code=form.cleaned_data["code"],
            )
        except services.SignInCodeRefused as exc:
            error = str(exc)
        else:
            if not password_sign_in_allowed(user=code.staff.user):
                # The code's only use is choosing a password, which single sign-on rules out.
                return render(
                    request,
                    "staff/sign_in_code.html",
                    {"form": form, "error": SSO_REQUIRED_MESSAGE},
                    status=403,
                )
            request.session[SIGN_IN_CODE_SESSION_KEY] = code.pk
            return redirect("sign_in_code_password")
    return render(
        request,
        "staff/sign_in_code.html",
        {"form": form, "error": error},
        status=400 if error or form.errors else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code_password(request):
    """After a correct code: choose a password (Django's validators), which uses the code up
    and signs the person in."""
    code_id = request.session.get(SIGN_IN_CODE_SESSION_KEY)
    code = selectors.sign_in_code_open(code_id=code_id) if code_id else None
    if code is None:
        request.session.pop(SIGN_IN_CODE_SESSION_KEY, None)
        messages.error(request, services.SIGN_IN_CODE_REFUSED)
        return redirect("sign_in_code")
    if not password_sign_in_allowed(user=code.staff.user):
        request.session.pop(SIGN_IN_CODE_SESSION_KEY, None)
        messages.error(request, SSO_REQUIRED_MESSAGE)
        return redirect("login")
    form = SetPasswordForm(code.staff.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_in_code_password_set(
                code_id=code.pk, password=form.cleaned_data["new_password1"]
            )
        except services.SignInCodeRefused as exc:
            request.session.pop(SIGN_IN_CODE_SESSION_KEY, None)
            messages.error(request, str(exc))
            return redirect("sign_in_code")
        request.session.pop(SIGN_IN_CODE_SESSION_KEY, None)
        login(request, user, backend=MODEL_BACKEND)
        messages.success(
            request,
            _(
                "Your password is set. Next time, sign in with your employee id (%(id)s) and "
                "this password."
            )
            % {"id": code.staff.employee_id},
        )
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(
        request,
        "staff/sign_in_code_password.html",
        {"form": form, "staff": code.staff},
        status=400 if form.errors else 200,
    )
