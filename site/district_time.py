"""Dates and times as the district reads them: in its time zone (settings.TIME_ZONE), whatever
the server, the database or a background worker runs in.

Moments are stored in UTC. Taken as they are, a signature at 11:30 p.m. in New York on
December 13 is dated December 14 (04:30 UTC): so every date or time a person sees, in a page,
an e-mail, a PDF or an export, goes through these functions or through a template, which
converts to the same time zone.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import pgettext

# "Dec 13, 2026" and "Dec 13, 2026, 11:30 p.m."


def long_date_format() -> str:
    """'December 13, 2026', in the order of the language in use."""
    return pgettext("date format", "F j, Y")


def short_date_format() -> str:
    """'Dec 13, 2026', in the order of the language in use."""
    return pgettext("date format", "M j, Y")


def short_datetime_format() -> str:
    """'Dec 13, 2026, 11:30 PM', in the order of the language in use."""
    return pgettext("date format", "M j, Y, g:i A")


def district_datetime(moment: datetime) -> datetime:
    """The moment in the district's time zone."""
    return timezone.localtime(moment, timezone.get_default_timezone())


def district_date(moment: datetime) -> date:
    """The calendar day the moment falls on in the district (not the UTC day)."""
    return district_datetime(moment).date()


def date_text(moment: datetime | date) -> str:
    """'Dec 13, 2026' for a moment (its district day) or a calendar date."""
    day = district_date(moment) if isinstance(moment, datetime) else moment
    return date_format(day, short_date_format())


def datetime_text(moment: datetime) -> str:
    """'Dec 13, 2026, 11:30 p.m.' in the district's time zone."""
    return date_format(district_datetime(moment), pgettext("date format", "M j, Y, P"))


def iso_text(moment: datetime | None) -> str | None:
    """ISO 8601 with the district's offset, '2026-12-13T23:30:00-05:00', for exports: the day
    reads right to a person and the instant stays exact for a program."""
    return None if moment is None else district_datetime(moment).isoformat()


def district_midnight(day: date) -> datetime:
    """The first moment of `day` in the district's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))
