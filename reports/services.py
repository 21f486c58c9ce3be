"""Reminders: e-mail staff whose training is due within a week or overdue, and send each
location administrator a weekly digest of their overdue staff. Administrators can also send
reminders from the staff report. Each e-mail is recorded in the same transaction that queues it
for the worker, and one rule (selectors.reminder_skip_reason) decides for the command and the
report alike, so nobody is reminded twice within REMINDER_INTERVAL_DAYS."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from eupsite.language import person_language
from jobs.models import OutgoingEmail
from jobs.services import email_queue
from staff.models import Assignment, LocationAccess, TrainingCycle
from staff.selectors import EXEMPT, OVERDUE, with_status
from staff.services import cycle_current

from .models import DigestLog, ReminderLog
from .selectors import SKIP_NO_EMAIL, SKIP_RECENT, reminder_skip_reason, with_reminder_facts


@dataclass
class ReminderReport:
    reminders: int = 0
    digests: int = 0
    skipped_recent: int = 0
    skipped_no_email: int = 0


def reminder_send(
    *,
    assignment: Assignment,
    today: date,
    current_cycle: TrainingCycle | None,
    sent_by=None,
) -> str | None:
    """Queue one reminder to the person of `assignment` (from selectors.with_reminder_facts)
    and record it, unless the rule says no. Returns None when queued, else why not (a SKIP_*
    reason). The log row and the e-mail are written together, and one log row a day per
    assignment is a database constraint: two administrators clicking at once send one."""
    reason = reminder_skip_reason(assignment, current_cycle=current_cycle)
    if reason is not None:
        return reason
    due_on = assignment.effective_due_on
    overdue = today > due_on
    with transaction.atomic():
        _, created = ReminderLog.objects.get_or_create(
            assignment=assignment,
            sent_on=today,
            defaults={"overdue": overdue, "sent_by": sent_by},
        )
        if not created:
            return SKIP_RECENT
        with translation.override(person_language(user=assignment.staff.user)):
            due_text = date_format(due_on, "MONTH_DAY_FORMAT")
            email_queue(
                kind=OutgoingEmail.Kind.REMINDER,
                to=assignment.staff.email,
                subject=(
                    gettext("Overdue: your training was due %(date)s") % {"date": due_text}
                    if overdue
                    else gettext("Reminder: your training is due %(date)s") % {"date": due_text}
                ),
                body=render_to_string(
                    "reports/email/reminder.txt",
                    {
                        "assignment": assignment,
                        "due_on": due_on,
                        "overdue": overdue,
                        "site": settings.WAGTAILADMIN_BASE_URL,
                        "district": settings.DISTRICT_NAME,
                    },
                ),
            )
    return None


@dataclass
class ReminderOutcome:
    """What happened to a batch of reminders an administrator sent."""

    queued: list[Assignment] = field(default_factory=list)
    skipped: list[tuple[Assignment, str]] = field(default_factory=list)


def reminders_send_chosen(
    *,
    assignments: Iterable[Assignment],
    sent_by,
    today: date | None = None,
) -> ReminderOutcome:
    """Send reminders to the staff an administrator chose in the staff report, under the same
    rule as the daily command. `assignments` come from selectors.with_reminder_facts."""
    today = today or timezone.localdate()
    current_cycle = cycle_current(today=today)
    outcome = ReminderOutcome()
    for assignment in assignments:
        reason = reminder_send(
            assignment=assignment, today=today, current_cycle=current_cycle, sent_by=sent_by
        )
        if reason is None:
            outcome.queued.append(assignment)
        else:
            outcome.skipped.append((assignment, reason))
    return outcome


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
    # The database narrows to those the rule could say yes to and who are due within
    # `days_before`; reminder_send then decides each one by the rule itself.
    due = (
        with_reminder_facts(
            Assignment.objects.filter(
                cycle=cycle,
                completed_at__isnull=True,
                staff__is_active=True,
                staff__user__is_active=True,
            ),
            today=today,
            every_days=every_days,
        )
        .exclude(status=EXEMPT)
        .filter(effective_due_on__lte=today + timedelta(days=days_before))
        .order_by("staff__location_id", "staff__last_name", "pk")
    )
    total = due.count()
    for index, assignment in enumerate(due.iterator(chunk_size=500), start=1):
        reason = reminder_send(assignment=assignment, today=today, current_cycle=cycle)
        if reason is None:
            report.reminders += 1
        elif reason == SKIP_RECENT:
            report.skipped_recent += 1
        elif reason == SKIP_NO_EMAIL:
            report.skipped_no_email += 1
        if progress and (index % 500 == 0 or index == total):
            progress(f"{index}/{total} assignments checked, {report.reminders} reminders queued")
    report.digests = _digests_send(cycle=cycle, today=today, every_days=digest_every_days)
    return report


def _digests_send(*, cycle, today: date, every_days: int) -> int:
    sent = 0
    accesses = LocationAccess.objects.select_related(
        "user__wagtail_userprofile", "location"
    ).filter(user__is_active=True)
    for access in accesses:
        if DigestLog.objects.filter(
            user=access.user,
            location=access.location,
            sent_on__gt=today - timedelta(days=every_days),
        ).exists():
            continue
        # The status rule itself: exempt staff are not overdue, and extended ones are overdue
        # only after their new date.
        overdue = list(
            with_status(
                Assignment.objects.filter(
                    cycle=cycle, staff__is_active=True, staff__location=access.location
                ),
                today=today,
            )
            .filter(status=OVERDUE)
            .select_related("staff", "course")
            .order_by("staff__last_name", "staff__first_name", "course__path")
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
            with translation.override(person_language(user=access.user)):
                email_queue(
                    kind=OutgoingEmail.Kind.DIGEST,
                    to=access.user.email,
                    subject=gettext("%(location)s: %(count)s staff overdue for their training")
                    % {"location": access.location, "count": len(overdue)},
                    body=render_to_string(
                        "reports/email/digest.txt",
                        {
                            "location": access.location,
                            "overdue": overdue,
                            "several_courses": len({a.course_id for a in overdue}) > 1,
                            "cycle": cycle,
                            "site": settings.WAGTAILADMIN_BASE_URL,
                        },
                    ),
                )
        sent += 1
    return sent
