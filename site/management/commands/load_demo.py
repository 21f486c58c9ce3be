from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from eupsite.demo import (
    DEMO_TOTP_SECRET,
    demo_accounts_ensure,
    demo_staff_ensure,
    demo_translations_review,
)


class Command(BaseCommand):
    help = "Create the demo accounts (development only; idempotent) and print their logins."

    def handle(self, *args, verbosity: int, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo accounts have known passwords: load_demo runs only with DEBUG settings "
                "(eupsite.settings.dev)."
            )
        from training.models import CoursePage

        if not CoursePage.objects.live().exists():
            raise CommandError(
                "There is no course to assign the demo staff: run `python manage.py "
                "load_course` first (`make setup` runs both)."
            )
        results = demo_accounts_ensure()
        staff = demo_staff_ensure()
        reviewed = demo_translations_review()
        if verbosity:
            new = sum(created for _, created in results)
            self.stdout.write(f"Demo accounts: {new} created, {len(results) - new} already there.")
            for version in reviewed:
                self.stdout.write(
                    f"{version}: marked reviewed by the demo district administrator (a "
                    "district's own administrator does this in Admin → Translations)."
                )
            self.stdout.write("")
            self.stdout.write("  Site:   http://127.0.0.1:8000/")
            self.stdout.write("  Admin:  http://127.0.0.1:8000/admin/")
            for account, _ in results:
                self.stdout.write(
                    f"  {account.role:<24} {account.username:<26} password: {account.password}"
                )
            self.stdout.write(
                f"  Administrators' second step: add the key {DEMO_TOTP_SECRET} (time-based) to "
                "an authenticator app and type its 6-digit code after the password."
            )
            self.stdout.write("  Demo staff, each a kind of learner:")
            for member, _ in staff:
                sign_in = (
                    f"{member.email} / {member.password}"
                    if member.password
                    else f"employee id {member.employee_id}, printed code"
                )
                self.stdout.write(
                    f"  {member.first_name} {member.last_name} ({member.location}): "
                    f"{member.kind}. Sign in: {sign_in}"
                )
            self.stdout.write("")
