"""Administrator views in the Wagtail admin: the completion dashboard, the staff report (with
CSV/XLSX export and reminders), and one person's record with its extensions and exemptions.
Every view is scoped to the user's locations."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, format_html
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.mixins import Echo
from wagtail.admin.views.reports import ReportView

from certificates.models import Acknowledgement, Certificate
from eupsite.district_time import short_date_format
from eupsite.files import neutralise_formula
from eupsite.parsing import number_from_request
from quizzes.models import Attempt
from staff.models import Assignment, AssignmentAdjustment, Staff, TrainingCycle
from staff.selectors import (
    COMPLETED,
    EXEMPT,
    EXEMPTION,
    EXTENSION,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    REACKNOWLEDGE,
    STATUS_LABELS,
    with_status,
)
from staff.services import AdjustmentRefused, assignment_exempt, assignment_extend
from training.selectors import live_courses

from . import selectors
from .forms import ExemptionForm, ExtensionForm
from .services import reminders_send_chosen

# The report's filters, carried through the reminder pages so "back" returns to the same list.
FILTER_PARAMS = ("cycle", "location", "job_title", "status", "q")
# The reminder confirmation lists at most this many people per table (the rest are counted).
LISTED_AT_MOST = 500

# What the staff report's export reads of each row (StaffReportView.to_row_dict).
EXPORT_VALUES = (
    "staff__last_name",
    "staff__first_name",
    "staff__employee_id",
    "staff__location__name",
    "staff__job_title",
    "course__title",
    "status",
    "effective_due_on",
    "due_on",
    "adjustment_kind",
    "adjustment_reason",
    "completed_at",
    "latest_certificate_code",
)

REMIND_NONE_SELECTED = _(
    "Select at least one person with the boxes in the first column, or send to everyone shown."
)
REMIND_BAD_SELECTION = _(
    "Some of the chosen staff are not in your report for this cycle; nothing was sent. "
    "Go back to the report and choose again."
)
REMIND_BAD_FILTERS = _("These filters are not valid: %(errors)s")


def _require_reports(request):
    if not selectors.can_see_reports(request.user):
        raise PermissionDenied


def _staff_report_url(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("reports_staff") + (f"?{query}" if query else "")


# --- dashboard ---------------------------------------------------------------------------------


# What each status's figure says to a screen reader, after the group's name.
FIGURE_WORDS = {
    NOT_STARTED: pgettext_lazy("completion status, lower case", "not started"),
    IN_PROGRESS: pgettext_lazy("completion status, lower case", "in progress"),
    COMPLETED: pgettext_lazy("completion status, lower case", "completed"),
    REACKNOWLEDGE: pgettext_lazy("completion status, lower case", "re-acknowledgement needed"),
    OVERDUE: pgettext_lazy("completion status, lower case", "overdue"),
    EXEMPT: pgettext_lazy("completion status, lower case", "exempt"),
}


def _figure(n: int, url: str, what: str) -> str:
    """reports/includes/figure.html, written here for the dashboard's tables: they hold some
    three hundred figures, and an include each was most of the page's time."""
    if n and url:
        return format_html(
            '<a href="{}">{}<span class="w-sr-only"> {}</span></a>',
            url,
            n,
            gettext("%(what)s: show them") % {"what": what},
        )
    return str(n)


def linked_rate(rate, *, cycle, course, param: str | None = None) -> dict:
    """A dashboard row: the rate, the staff report's address for its group (`param` =
    location or job_title, none for the overall figures), one for each status in it
    (`figures`) and, for a group, each status's count linked to it (`cells`)."""
    filters = {"cycle": cycle.pk, "course": course.pk if course else None} | (
        {param: rate.key} if param else {}
    )
    url = _staff_report_url(**filters)
    # The status comes last in the address, so one address serves as every status's stem.
    stem = url + ("&" if "?" in url else "?") + "status="
    figures = {status: stem + status for status in selectors.STATUSES}
    row = {"rate": rate, "url": url, "figures": figures}
    if param:
        row["cells"] = {
            status: _figure(
                getattr(rate, status), figures[status], f"{rate.label}, {FIGURE_WORDS[status]}"
            )
            for status in selectors.STATUSES
        }
    return row


def dashboard(request):
    _require_reports(request)
    cycle = selectors.cycle_for_request(request.GET.get("cycle"))
    courses = list(live_courses())
    # The course asked for, else the district's first one (an unknown id included).
    asked = number_from_request(request.GET.get("course"))
    course = next((c for c in courses if c.pk == asked), courses[0] if courses else None)
    data = (
        selectors.dashboard(user=request.user, cycle=cycle, course=course)
        if cycle and course
        else None
    )
    context = {
        "data": data,
        "cycles": TrainingCycle.objects.all(),
        "cycle": cycle,
        "courses": courses,
        "course": course,
    }
    if data:
        # The report's links name the course only when there is more than one to tell apart.
        on = {"cycle": cycle, "course": course if len(courses) > 1 else None}
        context |= {
            "overall": linked_rate(data.overall, **on),
            "by_location": [linked_rate(r, **on, param="location") for r in data.by_location],
            "by_job_title": [linked_rate(r, **on, param="job_title") for r in data.by_job_title],
            "chart": _chart(data.by_location, cycle, on["course"]),
        }
    return TemplateResponse(request, "reports/dashboard.html", context)


def _chart(rates, cycle, course):
    """Geometry of a horizontal bar chart (drawn as SVG in the template): one bar per
    location, its percentage written beside it so colour is never the only cue, and its label
    a link to the location's staff."""
    bar, gap, label_width, width = 22, 10, 260, 300
    rows = []
    for index, rate in enumerate(rates):
        y = index * (bar + gap)
        rows.append(
            {
                "label": rate.label,
                "url": _staff_report_url(
                    cycle=cycle.pk, course=course.pk if course else None, location=rate.key
                ),
                "y": y,
                "text_y": y + bar * 0.7,
                "width": round(width * rate.percent / 100, 1),
                "percent": rate.percent,
                # "33.3 %", "33,3 %": the language's decimal mark.
                "text": (
                    f"{number_format(f'{rate.percent:g}')} % ({rate.completed}/{rate.expected})"
                ),
                "value_x": label_width + round(width * rate.percent / 100, 1) + 6,
            }
        )
    return {
        "rows": rows,
        "height": max(len(rows) * (bar + gap), bar),
        "bar": bar,
        "label_width": label_width,
        "width": label_width + width + 140,
        "track": width,
    }


# --- the staff report --------------------------------------------------------------------------


class StaffReportFilterSet(WagtailFilterSet):
    cycle = django_filters.ModelChoiceFilter(
        label=_("Training cycle"),
        queryset=TrainingCycle.objects.all(),
        method="in_cycle",
        empty_label=_("Current cycle"),
    )
    course = django_filters.ModelChoiceFilter(
        label=_("Course"),
        field_name="course",
        queryset=lambda request: live_courses(),
        empty_label=_("All courses"),
    )
    q = django_filters.CharFilter(label=_("Name or employee id"), method="search")
    location = django_filters.ModelChoiceFilter(
        label=_("Location"),
        field_name="staff__location",
        queryset=lambda request: selectors.visible_locations(user=request.user),
    )
    job_title = django_filters.ChoiceFilter(
        label=_("Job title"), method="with_job_title", choices=[]
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=list(STATUS_LABELS.items()))

    class Meta:
        model = Assignment
        fields = []

    def __init__(self, *args, cycle: TrainingCycle | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the titles of the staff this person may see in this cycle (one query, when the
        # form is built).
        user = self.request.user

        def titles():
            if cycle is None:
                return []
            return [
                (title or selectors.NO_JOB_TITLE, title or _("(no job title)"))
                for title in selectors.job_titles(user=user, cycle=cycle)
            ]

        self.filters["job_title"].extra["choices"] = titles

    def in_cycle(self, queryset, name, value):
        # The view narrows to the chosen cycle before filtering (the figures need it too).
        return queryset

    def search(self, queryset, name, value):
        return selectors.search_assignments(queryset, words=value)

    def with_job_title(self, queryset, name, value):
        return queryset.filter(staff__job_title="" if value == selectors.NO_JOB_TITLE else value)


# The report's cells are written in Python rather than a template each: fifty rows of ten
# columns made the cell templates most of the page's time. What they show is the same.


class HtmlColumn(Column):
    """A column whose cell is `<td>` around cell_html (by default the value, escaped)."""

    def cell_html(self, instance) -> str:
        value = self.get_value(instance)
        return "" if value is None else conditional_escape(value)

    def render_cell_html(self, instance, parent_context):
        classname = format_html(' class="{}"', self.classname) if self.classname else ""
        return format_html("<td{}>{}</td>", classname, self.cell_html(instance))


class SelectColumn(HtmlColumn):
    """A plain checkbox per row, belonging to the "send a reminder" form: it works without
    JavaScript, unlike Wagtail's bulk-action checkboxes."""

    def cell_html(self, instance) -> str:
        return format_html(
            '<input type="checkbox" name="assignment" value="{}" id="remind-{}" '
            'form="remind-selected" aria-label="{}">',
            instance.pk,
            instance.pk,
            gettext("Select %(last_name)s, %(first_name)s")
            % {"last_name": instance.staff.last_name, "first_name": instance.staff.first_name},
        )


class NameColumn(TitleColumn):
    """The person's name, linked to their record."""

    def render_cell_html(self, instance, parent_context):
        return format_html(
            '<td class="title"><div class="title-wrapper"><a href="{}">{}</a></div></td>',
            self.get_link_url(instance, parent_context),
            self.get_value(instance),
        )


class StatusColumn(HtmlColumn):
    """reports/includes/status_text.html: overdue says for how long, never by colour alone."""

    def cell_html(self, instance) -> str:
        if instance.status == OVERDUE:
            days = instance.days_overdue
            return format_html(
                "<strong>{}</strong>",
                ngettext("Overdue: %(days)s day", "Overdue: %(days)s days", days) % {"days": days},
            )
        return conditional_escape(instance.status_label)


class DueColumn(HtmlColumn):
    """The effective due date; an extension says from which date and why, an exemption why."""

    def cell_html(self, instance) -> str:
        reason = Truncator(instance.adjustment_reason or "").chars(90)
        if instance.adjustment_kind == EXEMPTION:
            return format_html(
                "{}<br><small>{} {}</small>", gettext("Exempt"), gettext("Reason:"), reason
            )
        due = date_format(instance.effective_due_on, short_date_format())
        if instance.adjustment_kind == EXTENSION:
            extended = gettext("Extended to %(date)s (was %(original)s)") % {
                "date": due,
                "original": date_format(instance.due_on, short_date_format()),
            }
            return format_html(
                "{}<br><small>{}. {} {}</small>", due, extended, gettext("Reason:"), reason
            )
        return due


class DateColumn(HtmlColumn):
    """A date written out ("Dec 13, 2026"), never "1 month ago"."""

    def cell_html(self, instance) -> str:
        value = self.get_value(instance)
        return date_format(value, short_date_format()) if value else ""


class StaffReportView(ReportView):
    page_title = _("Staff training report")
    header_icon = "table"
    # "No staff match your query." when the filters leave nobody.
    verbose_name = _("staff member")
    verbose_name_plural = _("staff")
    filterset_class = StaffReportFilterSet
    index_url_name = "reports_staff"
    index_results_url_name = "reports_staff_results"
    results_template_name = "reports/staff_report_results.html"
    paginate_by = 50
    default_ordering = "staff__last_name"
    list_export = [
        "staff.last_name",
        "staff.first_name",
        "staff.employee_id",
        "staff.location.name",
        "staff.job_title",
        "course.title",
        "status_label",
        "days_overdue",
        "effective_due_on",
        "due_on",
        "adjustment_label",
        "adjustment_reason",
        "completed_on",
        "certificate_code",
    ]
    export_headings = {
        "staff.last_name": _("Last name"),
        "staff.first_name": _("First name"),
        "staff.employee_id": _("Employee id"),
        "staff.location.name": _("Location"),
        "staff.job_title": _("Job title"),
        "course.title": _("Course"),
        "status_label": _("Status"),
        "days_overdue": _("Days overdue"),
        "effective_due_on": _("Due"),
        "due_on": _("Originally due"),
        "adjustment_label": _("Extension or exemption"),
        "adjustment_reason": _("Reason"),
        "completed_on": _("Completed"),
        "certificate_code": _("Certificate"),
    }
    columns = [
        SelectColumn("select", label=_("Select"), accessor="pk"),
        NameColumn(
            "staff",
            label=_("Name"),
            sort_key="staff__last_name",
            accessor=lambda a: f"{a.staff.last_name}, {a.staff.first_name}",
            get_url=lambda a: reverse("reports_person", args=[a.staff_id]),
        ),
        HtmlColumn(
            "employee_id",
            label=_("Employee id"),
            sort_key="staff__employee_id",
            accessor=lambda a: a.staff.employee_id,
        ),
        HtmlColumn(
            "location",
            label=_("Location"),
            sort_key="staff__location__name",
            accessor=lambda a: a.staff.location.name,
        ),
        HtmlColumn(
            "job_title",
            label=_("Job title"),
            sort_key="staff__job_title",
            accessor=lambda a: a.staff.job_title,
        ),
        # Shown when the district has more than one course (get_table).
        HtmlColumn(
            "course",
            label=_("Course"),
            sort_key="course__path",
            accessor=lambda a: a.course.title,
        ),
        StatusColumn("status", label=_("Status"), sort_key="status"),
        DueColumn("effective_due_on", label=_("Due"), sort_key="effective_due_on"),
        DateColumn("completed_on", label=_("Completed"), sort_key="completed_at"),
        HtmlColumn("certificate_code", label=_("Certificate")),
    ]

    def dispatch(self, request, *args, **kwargs):
        _require_reports(request)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def cycle(self) -> TrainingCycle | None:
        return selectors.cycle_for_request(self.request.GET.get("cycle"))

    @cached_property
    def today(self):
        return timezone.localdate()

    @cached_property
    def can_remind(self) -> bool:
        """Reminders are for this school year's training: a past cycle's report offers none.
        (By dates: no query. The reminder rule itself checks the current cycle again.)"""
        return self.cycle is not None and self.cycle.starts_on <= self.today <= self.cycle.ends_on

    def get_filename(self):
        return f"staff-training-{self.cycle.name if self.cycle else 'report'}"

    @cached_property
    def several_courses(self) -> bool:
        return live_courses().count() > 1

    def get_table(self, object_list):
        columns = [
            column
            for column in self.columns
            if (self.can_remind or not isinstance(column, SelectColumn))
            and (self.several_courses or column.name != "course")
        ]
        return self.table_class(columns, object_list, **self.get_table_kwargs())

    def get_filterset_kwargs(self):
        return super().get_filterset_kwargs() | {"cycle": self.cycle}

    def get_base_queryset(self):
        if self.cycle is None:
            return Assignment.objects.none()
        return (
            selectors.report_assignments(user=self.request.user, cycle=self.cycle, today=self.today)
            .select_related("staff__location", "course")
            .annotate(
                # The newest certificate: after a re-acknowledgement it supersedes the first.
                latest_certificate_code=Subquery(
                    Certificate.objects.filter(assignment=OuterRef("pk"))
                    .order_by("-issued_at")
                    .values("code")[:1]
                )
            )
        )

    def get_queryset(self):
        queryset = self.get_base_queryset()
        ordering = self.request.GET.get("ordering", self.default_ordering)
        allowed = {c.sort_key for c in self.columns if c.sort_key}
        if ordering.lstrip("-") in allowed:
            queryset = queryset.order_by(ordering, "pk")
        return queryset

    def filter_queryset(self, queryset):
        # An invalid filter (a location outside the user's, a job title nobody here has) shows
        # nothing and says why, rather than silently showing everyone.
        if self.filters and self.filters.is_bound and not self.filters.is_valid():
            return queryset.none()
        return super().filter_queryset(queryset)

    def decorate_paginated_queryset(self, object_list):
        for assignment in object_list:
            _decorate(assignment, today=self.today)
            _decorate_certificate(assignment)
        return object_list

    def get(self, request, *args, **kwargs):
        if self.is_export:
            # The export needs neither the page's table nor its context: building them loaded
            # every row as model objects (Wagtail pages among them) before a cell was written.
            return self.as_spreadsheet(self.get_filtered_queryset(), request.GET.get("export"))
        return super().get(request, *args, **kwargs)

    def as_spreadsheet(self, queryset, spreadsheet_format):
        # Read here, inside the request's language and time zone: the rows are written while
        # the response streams, after the view has returned.
        self._export_status_labels = {key: str(label) for key, label in STATUS_LABELS.items()}
        self._export_adjustment_labels = {
            kind: str(label) for kind, label in AssignmentAdjustment.Kind.choices
        }
        self._export_timezone = timezone.get_current_timezone()
        # Without a cycle the report is empty and has no status to select.
        rows = (
            queryset.values_list(*EXPORT_VALUES).iterator(chunk_size=2000)
            if self.cycle is not None
            else iter(())
        )
        return super().as_spreadsheet(rows, spreadsheet_format)

    def to_row_dict(self, item):
        """The export's row (for XLSX) from the values EXPORT_VALUES names."""
        return dict(zip(self.list_export, self._export_row(item), strict=True))

    def _export_row(self, item: tuple) -> list:
        """The cells of list_export from the values EXPORT_VALUES names: what _decorate and
        _decorate_certificate give the page. The text that came from people (names, titles,
        reasons) is neutralised for spreadsheets; labels, numbers and dates are the product's."""
        (
            last_name,
            first_name,
            employee_id,
            location,
            job_title,
            course_title,
            status,
            effective_due_on,
            due_on,
            kind,
            reason,
            completed_at,
            certificate_code,
        ) = item
        return [
            neutralise_formula(last_name),
            neutralise_formula(first_name),
            neutralise_formula(employee_id),
            neutralise_formula(location),
            neutralise_formula(job_title),
            neutralise_formula(course_title),
            self._export_status_labels[status],
            _days_overdue(status, effective_due_on, today=self.today),
            effective_due_on,
            due_on,
            self._export_adjustment_labels[kind] if kind else "",
            neutralise_formula(reason or ""),
            _completed_on(completed_at, self._export_timezone),
            neutralise_formula(certificate_code or ""),
        ]

    def stream_csv(self, queryset):
        """Wagtail's stream_csv, less its per-cell lookups: a row's values are already what
        force_str(strings_only=True) would leave them (text, numbers, dates or None)."""
        writer = csv.writer(Echo())
        yield writer.writerow([self.get_heading(queryset, field) for field in self.list_export])
        for item in queryset:
            yield writer.writerow(self._export_row(item))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cycle"] = self.cycle
        context["cycles"] = TrainingCycle.objects.all()
        context["filter_errors"] = _filter_errors(self.filters)
        # The reminder pages get the report's filters, with the cycle always named.
        params = [(n, v) for n, v in _filter_params(self.request.GET) if n != "cycle"]
        if self.cycle is not None:
            params.insert(0, ("cycle", str(self.cycle.pk)))
        context["remind_params"] = params
        context["can_remind"] = self.can_remind
        context["remind_all_url"] = (
            reverse("reports_remind") + "?" + urlencode([*params, ("scope", "filtered")])
        )
        return context


def _filter_params(query) -> list[tuple[str, str]]:
    """The report's own filters from a query string, to carry through the reminder pages."""
    return [(name, query[name]) for name in FILTER_PARAMS if query.get(name)]


def _filter_errors(filters) -> str:
    if not filters or not filters.is_bound or filters.is_valid():
        return ""
    return " ".join(
        f"{filters.form.fields[name].label}: {' '.join(errors)}"
        for name, errors in filters.form.errors.items()
    )


def _decorate(assignment, *, today):
    """Add the display values the report's columns and exports read."""
    assignment.status_label = str(STATUS_LABELS[assignment.status])
    assignment.days_overdue = _days_overdue(
        assignment.status, assignment.effective_due_on, today=today
    )
    assignment.completed_on = _completed_on(assignment.completed_at)
    assignment.adjustment_label = (
        str(AssignmentAdjustment.Kind(assignment.adjustment_kind).label)
        if assignment.adjustment_kind
        else ""
    )
    assignment.adjustment_reason = assignment.adjustment_reason or ""


def _days_overdue(status: str, effective_due_on, *, today) -> int | None:
    return (today - effective_due_on).days if status == OVERDUE else None


def _completed_on(completed_at, timezone_=None):
    """The district's date of a completion (`timezone_`: the request's, read while it lasts)."""
    return timezone.localdate(completed_at, timezone_) if completed_at else None


def _decorate_certificate(assignment):
    # The report selects the newest certificate's code with its row: no query here.
    assignment.certificate_code = assignment.latest_certificate_code or ""


# --- reminders from the report -----------------------------------------------------------------


def _chosen_assignments(request, data, cycle):
    """(the assignments chosen for reminders with the facts the rule reads, an error message).
    Chosen either by their ids (boxes ticked in the report, or the list a confirmation showed)
    or by the report's filters; always within the user's locations and the cycle."""
    today = timezone.localdate()
    # Ticked boxes arrive one field each (50 a page at most); the confirmation sends its list
    # as one field, since a form may carry at most DATA_UPLOAD_MAX_NUMBER_FIELDS fields.
    ids = data.getlist("assignment") or data.get("assignments", "").split()
    # A POST sends exactly the people its confirmation listed, never a filter's fresh result.
    if data.get("scope") == "selected" or ids or request.method == "POST":
        if not ids:
            return None, REMIND_NONE_SELECTED
        if not all(value.isdigit() for value in ids):
            return None, REMIND_BAD_SELECTION
        ids = {int(value) for value in ids}
        chosen = selectors.visible_assignments(user=request.user, cycle=cycle).filter(pk__in=ids)
        if chosen.count() != len(ids):
            return None, REMIND_BAD_SELECTION
    else:
        filters = StaffReportFilterSet(
            data=data,
            request=request,
            cycle=cycle,
            queryset=selectors.report_assignments(user=request.user, cycle=cycle, today=today),
        )
        if not filters.is_valid():
            return None, str(REMIND_BAD_FILTERS) % {"errors": _filter_errors(filters)}
        chosen = Assignment.objects.filter(pk__in=filters.qs.values("pk"))
    return (
        selectors.with_reminder_facts(chosen, today=today).order_by(
            "staff__last_name", "staff__first_name", "pk"
        ),
        None,
    )


def remind(request):
    """Send reminders to the staff chosen in the report: first a page listing who will get one
    and who is skipped and why, then (POST) queue them and go back to the report saying how
    many were queued. Plain forms: keyboard and no JavaScript are enough."""
    _require_reports(request)
    data = request.POST if request.method == "POST" else request.GET
    cycle = selectors.cycle_for_request(data.get("cycle"))
    filter_params = _filter_params(data)
    back_url = _staff_report_url(**dict(filter_params))
    if cycle is None:
        raise Http404
    chosen, error = _chosen_assignments(request, data, cycle)
    if request.method == "POST" and error is None:
        outcome = reminders_send_chosen(assignments=chosen, sent_by=request.user)
        messages.success(
            request,
            ngettext(
                "%(count)d reminder queued for sending.",
                "%(count)d reminders queued for sending.",
                len(outcome.queued),
            )
            % {"count": len(outcome.queued)},
        )
        if outcome.skipped:
            messages.warning(
                request,
                ngettext(
                    "%(count)d person was skipped: %(names)s.",
                    "%(count)d people were skipped: %(names)s.",
                    len(outcome.skipped),
                )
                % {
                    "count": len(outcome.skipped),
                    "names": "; ".join(
                        f"{a.staff.full_name} ({selectors.skip_label(reason)})"
                        for a, reason in outcome.skipped[:20]
                    ),
                },
            )
        return redirect(back_url)
    if error is not None:
        return TemplateResponse(
            request,
            "reports/remind.html",
            {"error": error, "back_url": back_url, "cycle": cycle},
        )
    preview = selectors.reminders_preview(assignments=chosen)
    today = timezone.localdate()
    for assignment in preview.will:
        _decorate(assignment, today=today)
    for assignment, reason in preview.skipped:
        _decorate(assignment, today=today)
        assignment.skip_reason = selectors.skip_label(reason)
    will, skipped = preview.will, [assignment for assignment, _ in preview.skipped]
    return TemplateResponse(
        request,
        "reports/remind.html",
        {
            "cycle": cycle,
            "will": will[:LISTED_AT_MOST],
            "will_count": len(will),
            "will_ids": [a.pk for a in will],
            "skipped": skipped[:LISTED_AT_MOST],
            "skipped_count": len(skipped),
            "listed_at_most": LISTED_AT_MOST,
            "filter_params": filter_params,
            "back_url": back_url,
        },
    )


# --- one person's record -----------------------------------------------------------------------


def _visible_staff(request, staff_id: int) -> Staff:
    return get_object_or_404(
        Staff.objects.select_related("location", "user"),
        pk=staff_id,
        location__in=selectors.visible_locations(user=request.user),
    )


def acknowledgement_signed(request, staff_id: int, acknowledgement_id: int):
    """The exact text a staff member signed, as the database keeps it. 404 for staff outside
    the administrator's locations, or an acknowledgement that is not this person's."""
    _require_reports(request)
    staff = _visible_staff(request, staff_id)
    acknowledgement = get_object_or_404(
        Acknowledgement.objects.select_related("policy_version", "assignment__cycle"),
        pk=acknowledgement_id,
        staff=staff,
    )
    return TemplateResponse(
        request,
        "reports/acknowledgement.html",
        {
            "staff": staff,
            "acknowledgement": acknowledgement,
            "version": acknowledgement.policy_version,
        },
    )


def person_record(request, staff_id: int, *, forms: dict | None = None):
    """Everything about one staff member's training: every cycle with its status, due date and
    the history of its extensions and exemptions, its attempts, acknowledgement and
    certificate. 404 for staff outside the administrator's locations. HR and district
    administrators also get the forms to extend a due date or exempt."""
    _require_reports(request)
    staff = _visible_staff(request, staff_id)
    today = timezone.localdate()
    assignments = list(
        with_status(staff.assignments.select_related("cycle", "course"), today=today).order_by(
            "-cycle__starts_on", "course__path"
        )
    )
    # Each attempt shows under the assignment it counted for (its foreign key, not its date).
    attempts = list(
        Attempt.objects.filter(assignment__in=assignments, submitted_at__isnull=False)
        .select_related("quiz__section")
        .order_by("started_at")
    )
    acknowledgements = {
        a.assignment_id: a
        for a in Acknowledgement.objects.filter(assignment__in=assignments)
        .select_related("policy_version")
        .order_by("signed_at")
    }
    # The newest certificate of each assignment (a re-acknowledgement supersedes the first).
    certificates = {
        c.assignment_id: c
        for c in Certificate.objects.filter(assignment__in=assignments).order_by("issued_at")
    }
    history: dict[int, list[AssignmentAdjustment]] = {}
    for adjustment in AssignmentAdjustment.objects.filter(
        assignment__in=assignments
    ).select_related("made_by"):
        history.setdefault(adjustment.assignment_id, []).append(adjustment)
    can_adjust = selectors.can_adjust_assignments(request.user)
    forms = forms or {}
    reading = selectors.reading_by_cycle(staff=staff, assignments=assignments)
    cycles = []
    for assignment in assignments:
        cycle = assignment.cycle
        adjustable = can_adjust and assignment.completed_at is None
        cycles.append(
            {
                "assignment": assignment,
                "status_label": STATUS_LABELS[assignment.status],
                "days_overdue": (today - assignment.effective_due_on).days
                if assignment.status == OVERDUE
                else None,
                "adjustments": history.get(assignment.pk, []),
                "attempts": [a for a in attempts if a.assignment_id == assignment.pk],
                "acknowledgement": acknowledgements.get(assignment.pk),
                "certificate": certificates.get(assignment.pk),
                "reading": reading.get(assignment.pk, []),
                # A form sent back with a message is always shown, with it; otherwise the
                # forms appear where they can succeed.
                "extension_form": forms.get(("extend", assignment.pk))
                or (
                    ExtensionForm(prefix=f"extend-{assignment.pk}")
                    if adjustable and cycle.ends_on >= today
                    else None
                ),
                "exemption_form": forms.get(("exempt", assignment.pk))
                or (
                    ExemptionForm(prefix=f"exempt-{assignment.pk}")
                    if adjustable and assignment.adjustment_kind != EXEMPTION
                    else None
                ),
            }
        )
    return TemplateResponse(
        request,
        "reports/person.html",
        {
            "staff": staff,
            "cycles": cycles,
            "can_adjust": can_adjust,
            "today": today,
            "several_courses": len({a.course_id for a in assignments}) > 1,
        },
    )


def person_adjust(request, staff_id: int, assignment_id: int, action: str):
    """Record an extension or an exemption, with its reason, from the person record. 403
    without staff.change_assignment (principals see the record but do not grant), 404 for
    staff outside the user's locations or someone else's assignment. A refusal shows the
    record again with the form and one message; nothing is written. Only POST writes."""
    _require_reports(request)
    if not selectors.can_adjust_assignments(request.user):
        raise PermissionDenied
    staff = _visible_staff(request, staff_id)
    assignment = get_object_or_404(Assignment, pk=assignment_id, staff=staff)
    if request.method != "POST":
        # The address of a form sent back with a message, opened again: show the record.
        return redirect("reports_person", staff_id=staff.pk)
    form_class = ExtensionForm if action == "extend" else ExemptionForm
    form = form_class(request.POST, prefix=f"{action}-{assignment.pk}")
    if form.is_valid():
        try:
            if action == "extend":
                adjustment = assignment_extend(
                    assignment_id=assignment.pk,
                    due_on=form.cleaned_data["due_on"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
                message = _("Due date of %(name)s for %(cycle)s extended to %(date)s.") % {
                    "name": staff.full_name,
                    "cycle": assignment.cycle.name,
                    "date": date_format(adjustment.due_on, short_date_format()),
                }
            else:
                assignment_exempt(
                    assignment_id=assignment.pk,
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
                message = _("%(name)s is exempt from %(cycle)s.") % {
                    "name": staff.full_name,
                    "cycle": assignment.cycle.name,
                }
        except AdjustmentRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, message)
            return redirect("reports_person", staff_id=staff.pk)
    return person_record(request, staff.pk, forms={(action, assignment.pk): form})
