"""The one way dates and times are written for people: the district's day and time."""

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from eupsite.district_time import date_text, datetime_text, district_date, iso_text

# 11:30 p.m. on December 13, 2026 in New York: already December 14 in UTC.
EVENING = datetime(2026, 12, 14, 4, 30, tzinfo=UTC)


@pytest.mark.parametrize("active", ["UTC", "America/New_York", "Asia/Tokyo"])
def test_an_evening_moment_is_written_on_the_district_day_whatever_zone_is_active(active):
    with timezone.override(active):
        assert district_date(EVENING) == date(2026, 12, 13)
        assert date_text(EVENING) == "Dec 13, 2026"
        assert datetime_text(EVENING) == "Dec 13, 2026, 11:30 p.m."
        assert iso_text(EVENING) == "2026-12-13T23:30:00-05:00"


def test_a_calendar_date_is_written_as_it_is():
    assert date_text(date(2027, 10, 1)) == "Oct 1, 2027"


def test_summer_moments_carry_daylight_saving_time():
    assert iso_text(datetime(2027, 7, 1, 3, 15, tzinfo=UTC)) == "2027-06-30T23:15:00-04:00"
    assert iso_text(None) is None
