"""Reminders: e-mail staff whose training is due within a week or overdue, and send each
location administrator a weekly digest of their overdue staff. Each e-mail is recorded in the
same transaction that queues it for the worker, so running again the same day queues nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from jobs.models import OutgoingEmail
from jobs.services import email_queue
from staff.models import Assignment
from staff.services import cycle_current

from .models import DigestLog, LocationAccess, ReminderLog


@dataclass
class ReminderReport:
    reminders: int = 0
    digests: int = 0
    skipped_recent: int = 0


def reminders_send(
    *,
    today: date | None = None,
    days_before: int = 7,
    every_days: int | None = None,
    digest_every_days: int = 7,
    progress: Callable[[str], None] | None = None,
) -> ReminderReport:
    today = today or timezone.localdate()
    every_days = every_days or settings.REMINDER_INTERVAL_DAYS
    report = ReminderReport()
    cycle = cycle_current(today=today)
    if cycle is None:
        return report
    recent = ReminderLog.objects.filter(
        assignment=OuterRef("pk"), sent_on__gt=today - timedelta(days=every_days)
    )
    due = (
        Assignment.objects.filter(
            cycle=cycle,
            completed_at__isnull=True,
            staff__is_active=True,
            staff__user__is_active=True,
            due_on__lte=today + timedelta(days=days_before),
        )
        # Staff without a work e-mail cannot be reminded by e-mail (their principal's digest
        # still lists them).
        .exclude(staff__email="")
        .annotate(recently_reminded=Exists(recent))
        .select_related("staff", "cycle")
        .order_by("staff__location_id", "staff__last_name")
    )
    total = due.count()
    for index, assignment in enumerate(due.iterator(chunk_size=500), start=1):
        if assignment.recently_reminded:
            report.skipped_recent += 1
            continue
        overdue = assignment.due_on < today
        # The log row and the queued e-mail are written together: a second run the same day
        # finds the log and queues nothing.
        with transaction.atomic():
            _, created = ReminderLog.objects.get_or_create(
                assignment=assignment, sent_on=today, defaults={"overdue": overdue}
            )
            if not created:
                continue
            email_queue(
                kind=OutgoingEmail.Kind.REMINDER,
                to=assignment.staff.email,
                subject=(
                    f"Overdue: your training was due {assignment.due_on:%B %-d}"
                    if overdue
                    else f"Reminder: your training is due {assignment.due_on:%B %-d}"
                ),
                body=render_to_string(
                    "reports/email/reminder.txt",
                    {
                        "assignment": assignment,
                        "overdue": overdue,
                        "site": settings.WAGTAILADMIN_BASE_URL,
                        "district": settings.DISTRICT_NAME,
                    },
                ),
            )
        report.reminders += 1
        if progress and (index % 500 == 0 or index == total):
            progress(f"{index}/{total} assignments checked, {report.reminders} reminders queued")
    report.digests = _digests_send(cycle=cycle, today=today, every_days=digest_every_days)
    return report


def _digests_send(*, cycle, today: date, every_days: int) -> int:
    sent = 0
    accesses = LocationAccess.objects.select_related("user", "location").filter(
        user__is_active=True
    )
    for access in accesses:
        if DigestLog.objects.filter(
            user=access.user,
            location=access.location,
            sent_on__gt=today - timedelta(days=every_days),
        ).exists():
            continue
        overdue = list(
            Assignment.objects.filter(
                cycle=cycle,
                completed_at__isnull=True,
                due_on__lt=today,
                staff__is_active=True,
                staff__location=access.location,
            )
            .select_related("staff")
            .order_by("staff__last_name", "staff__first_name")
        )
        if not overdue:
            continue
        with transaction.atomic():
            DigestLog.objects.create(
                user=access.user,
                location=access.location,
                sent_on=today,
                overdue_count=len(overdue),
            )
            email_queue(
                kind=OutgoingEmail.Kind.DIGEST,
                to=access.user.email,
                subject=f"{access.location}: {len(overdue)} staff overdue for their training",
                body=render_to_string(
                    "reports/email/digest.txt",
                    {
                        "location": access.location,
                        "overdue": overdue,
                        "cycle": cycle,
                        "site": settings.WAGTAILADMIN_BASE_URL,
                    },
                ),
            )
        sent += 1
    return sent
