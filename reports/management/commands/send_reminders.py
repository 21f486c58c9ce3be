from django.conf import settings
from django.core.management.base import BaseCommand

from reports.services import reminders_send


class Command(BaseCommand):
    help = (
        "E-mail staff whose training is due within a week or overdue (at most once every "
        "REMINDER_INTERVAL_DAYS per person) and send location administrators a weekly digest "
        "of their overdue staff. Safe to run from cron daily: a second run sends nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days-before", type=int, default=7)
        parser.add_argument(
            "--every",
            type=int,
            default=settings.REMINDER_INTERVAL_DAYS,
            help="Days between two reminders to the same person.",
        )

    def handle(self, *args, days_before, every, verbosity, **options):
        report = reminders_send(
            days_before=days_before,
            every_days=every,
            progress=self.stdout.write if verbosity else None,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Queued {report.reminders} reminder(s) and {report.digests} digest(s) for the "
                f"worker to send; {report.skipped_recent} reminded recently, skipped."
            )
        )
