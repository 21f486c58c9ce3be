"""Background work of the site shell: the password reset e-mail."""

from django_tasks import task

from jobs.tasks import BACKEND


@task(backend=BACKEND, priority=10)
def password_reset_email_send(email: str, domain: str, use_https: bool) -> str:
    """Look the address up and, if it has an account, queue the reset link in the outbox. Done
    here, not in the request, so a known address and an unknown one cost the request the same
    work: its timing cannot tell which addresses have accounts."""
    from eupsite.forms import QueuedPasswordResetForm
    from eupsite.tokens import account_token_generator

    form = QueuedPasswordResetForm(data={"email": email})
    if not form.is_valid():
        return "not an e-mail address"
    form.save(domain_override=domain, use_https=use_https, token_generator=account_token_generator)
    return "done"
