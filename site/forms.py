from django.contrib.auth.forms import PasswordResetForm
from django.template.loader import render_to_string

from jobs.models import OutgoingEmail
from jobs.services import email_queue


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
