from django.core.management.base import BaseCommand

from staff.models import Staff
from staff.services import invitations_send


class Command(BaseCommand):
    help = "E-mail a set-your-password link to active staff who have not set a password yet."

    def add_arguments(self, parser):
        parser.add_argument("--resend", action="store_true", help="Also those invited before.")
        parser.add_argument("--location", help="Only staff of this location (its name).")
        parser.add_argument("--base-url", help="Site address for the links (default: settings).")

    def handle(self, *args, resend, location, base_url, **options):
        staff = Staff.objects.filter(is_active=True, user__isnull=False).select_related("user")
        if location:
            staff = staff.filter(location__name=location)
        queued = invitations_send(staff=list(staff), base_url=base_url, resend=resend)
        self.stdout.write(
            self.style.SUCCESS(f"Queued {queued} invitation(s); the worker sends them.")
        )
