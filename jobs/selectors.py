from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from .models import OutgoingEmail, PreparedFile

RECENT_FILES = 20
# An e-mail still queued after this long means no worker is taking the queue.
WORKER_SILENT_AFTER = timedelta(minutes=15)


def prepared_files_for(*, user) -> list[PreparedFile]:
    return list(
        PreparedFile.objects.filter(requested_by=user).select_related("cycle", "location")[
            :RECENT_FILES
        ]
    )


def outbox_problems() -> dict[str, int]:
    """How many e-mails need a person: given up after retries, of unknown fate, or waiting so
    long that the worker must be down."""
    Status = OutgoingEmail.Status
    return OutgoingEmail.objects.aggregate(
        failed=Count("pk", filter=Q(status=Status.FAILED)),
        uncertain=Count("pk", filter=Q(status=Status.UNCERTAIN)),
        waiting=Count(
            "pk",
            filter=Q(status=Status.QUEUED, created_at__lt=timezone.now() - WORKER_SILENT_AFTER),
        ),
    )
