from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from eupsite.sso_policy import SSO_REQUIRED_MESSAGE, password_sign_in_allowed
from jobs.models import OutgoingEmail
from jobs.services import email_queue
from staff.selectors import login_username_for


class SiteAuthenticationForm(AuthenticationForm):
    """Sign in with a work e-mail or an employee id: staff without a work e-mail have no other
    name to sign in with, and anyone may use their id. The id is turned into the account's
    username before authenticating, so login throttling counts one account once whichever
    name was typed."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("That work e-mail or employee id and password do not match."),
    }

    sso_required = False

    def clean_username(self):
        return login_username_for(identifier=self.cleaned_data.get("username", ""))

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not password_sign_in_allowed(user=user):
            self.sso_required = True
            raise ValidationError(SSO_REQUIRED_MESSAGE, code="sso_required")


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        required=False,
        help_text=_("The 6-digit code your authenticator app shows now, or a recovery code."),
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's password reset, with the e-mail going through the outbox and the worker so the
    page answers at once whether or not the mail server does. When the district requires
    single sign-on, learners get no reset link (eupsite.sso_policy)."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if password_sign_in_allowed(user=user))

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        email_queue(
            kind=OutgoingEmail.Kind.PASSWORD_RESET,
            to=to_email,
            subject=subject,
            body=render_to_string(email_template_name, context),
        )
