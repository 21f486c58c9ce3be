from django.db.models import Count, Q

from .models import OutgoingEmail, PreparedFile

RECENT_FILES = 20


def prepared_files_for(*, user) -> list[PreparedFile]:
    return list(
        PreparedFile.objects.filter(requested_by=user).select_related("cycle", "location")[
            :RECENT_FILES
        ]
    )


def outbox_problems() -> dict[str, int]:
    """How many e-mails need a person: given up after retries, or of unknown fate."""
    return OutgoingEmail.objects.aggregate(
        failed=Count("pk", filter=Q(status=OutgoingEmail.Status.FAILED)),
        uncertain=Count("pk", filter=Q(status=OutgoingEmail.Status.UNCERTAIN)),
    )
