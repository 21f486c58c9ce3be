from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

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

    def clean_username(self):
        return login_username_for(identifier=self.cleaned_data.get("username", ""))


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's password reset, with the e-mail going through the outbox and the worker so the
    page answers at once whether or not the mail server does."""

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
