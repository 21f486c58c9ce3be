from itertools import groupby

from django.core.management.base import BaseCommand

from staff.models import Staff
from staff.services import invitations_send

# Names listed per reason at the default verbosity (-v 2 lists everyone): after the first
# year most of the district has "already set a password", which needs no reading.
NAMES_PER_REASON = 20


class Command(BaseCommand):
    help = (
        "E-mail a set-your-password link to active staff who have not set a password yet, and "
        "say who was not invited and why."
    )

    def add_arguments(self, parser):
        parser.add_argument("--resend", action="store_true", help="Also those invited before.")
        parser.add_argument("--location", help="Only staff of this location (its name).")
        parser.add_argument("--base-url", help="Site address for the links (default: settings).")

    def handle(self, *args, resend, location, base_url, verbosity, **options):
        staff = Staff.objects.filter(is_active=True).select_related("user")
        if location:
            staff = staff.filter(location__name=location)
        staff = staff.order_by("last_name", "first_name", "pk")
        result = invitations_send(staff=list(staff), base_url=base_url, resend=resend)
        self.stdout.write(
            self.style.SUCCESS(
                f"Queued {len(result.invited)} invitation(s); the worker sends them."
            )
        )
        if not result.skipped:
            return
        self.stdout.write(f"Not invited: {len(result.skipped)}")
        by_reason = sorted(result.skipped, key=lambda s: (s.reason, s.staff.last_name))
        for reason, group in groupby(by_reason, key=lambda s: s.reason):
            group = list(group)
            self.stdout.write(f"  {reason.label} ({len(group)}):")
            shown = group if verbosity > 1 else group[:NAMES_PER_REASON]
            for skipped in shown:
                member = skipped.staff
                self.stdout.write(
                    f"    {member.last_name}, {member.first_name} ({member.employee_id}): {skipped}"
                )
            if len(shown) < len(group):
                self.stdout.write(f"    … and {len(group) - len(shown)} more (-v 2 lists all)")
