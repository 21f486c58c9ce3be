from django.core.management.base import BaseCommand

from jobs.services import prepared_files_prune


class Command(BaseCommand):
    help = (
        "Delete prepared downloads (certificate ZIPs, records archives) older than "
        "PREPARED_FILE_KEEP (7 days): they are copies of staff records. Run daily from cron."
    )

    def handle(self, *args, **options):
        pruned = prepared_files_prune()
        self.stdout.write(self.style.SUCCESS(f"Deleted {pruned} expired download(s)."))
