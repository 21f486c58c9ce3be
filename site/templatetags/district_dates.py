"""Dates as people read them, in their language's order: {{ value|long_date }} ("December 27,
2026", "27 de diciembre de 2026"), short_date ("Dec 27, 2026") and short_datetime ("Dec 27,
2026, 3:05 PM"). The formats are messages (context "date format") that the catalogue adapts, so
no template writes a date in English order on a Spanish page."""

from django import template
from django.template.defaultfilters import date as date_filter

from eupsite.district_time import long_date_format, short_date_format, short_datetime_format

register = template.Library()


@register.filter(expects_localtime=True)
def long_date(value):
    return date_filter(value, long_date_format())


@register.filter(expects_localtime=True)
def short_date(value):
    return date_filter(value, short_date_format())


@register.filter(expects_localtime=True)
def short_datetime(value):
    return date_filter(value, short_datetime_format())
