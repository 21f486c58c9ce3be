from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from jobs.services import tasks_recover


class Command(BaseCommand):
    help = (
        "Queue again the tasks that have been running longer than TASK_STALE_AFTER (their "
        "worker stopped without a restart under the same id); report e-mails that may or may "
        "not have gone out. Run it from cron every few minutes when workers run on several hosts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-after",
            type=int,
            default=int(settings.TASK_STALE_AFTER.total_seconds() // 60),
            help="Minutes after which a running task counts as abandoned.",
        )

    def handle(self, *args, stale_after, **options):
        recovery = tasks_recover(stale_after=timedelta(minutes=stale_after))
        self.stdout.write(
            self.style.SUCCESS(
                f"Queued {len(recovery.requeued)} task(s) again; "
                f"{len(recovery.uncertain_emails)} e-mail(s) marked uncertain."
            )
        )
