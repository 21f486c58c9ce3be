"""Administrator views in the Wagtail admin: the completion dashboard, the staff report (with
CSV/XLSX export) and one person's record. Every view is scoped to the user's locations."""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.reports import ReportView

from certificates.models import Certificate
from eupsite.files import neutralise_formula
from staff.models import Assignment, Staff, TrainingCycle
from staff.selectors import STATUS_LABELS

from . import selectors


def _require_reports(request):
    if not selectors.can_see_reports(request.user):
        raise PermissionDenied


def dashboard(request):
    _require_reports(request)
    cycle = selectors.cycle_for_request(request.GET.get("cycle"))
    data = selectors.dashboard(user=request.user, cycle=cycle) if cycle else None
    return TemplateResponse(
        request,
        "reports/dashboard.html",
        {
            "data": data,
            "cycles": TrainingCycle.objects.all(),
            "cycle": cycle,
            "chart": _chart(data.by_location) if data else None,
        },
    )


def _chart(rates):
    """Geometry of a horizontal bar chart (drawn as SVG in the template): one bar per
    location, its percentage written beside it so colour is never the only cue."""
    bar, gap, label_width, width = 22, 10, 260, 300
    rows = []
    for index, rate in enumerate(rates):
        y = index * (bar + gap)
        rows.append(
            {
                "label": rate.label,
                "y": y,
                "text_y": y + bar * 0.7,
                "width": round(width * rate.percent / 100, 1),
                "percent": rate.percent,
                "text": f"{rate.percent:g} % ({rate.completed}/{rate.assigned})",
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


class StaffReportFilterSet(WagtailFilterSet):
    cycle = django_filters.ModelChoiceFilter(
        label=_("Training cycle"),
        queryset=TrainingCycle.objects.all(),
        method="in_cycle",
        empty_label=_("Current cycle"),
    )
    q = django_filters.CharFilter(label=_("Name or employee id"), method="search")
    location = django_filters.ModelChoiceFilter(
        label=_("Location"),
        field_name="staff__location",
        queryset=lambda request: selectors.visible_locations(user=request.user),
    )
    job_title = django_filters.ChoiceFilter(
        label=_("Job title"),
        field_name="staff__job_title",
        choices=lambda: [
            (title, title)
            for title in Staff.objects.order_by("job_title")
            .values_list("job_title", flat=True)
            .distinct()
            if title
        ],
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=list(STATUS_LABELS.items()))

    class Meta:
        model = Assignment
        fields = []

    def in_cycle(self, queryset, name, value):
        # The view narrows to the chosen cycle before filtering (the figures need it too).
        return queryset

    def search(self, queryset, name, value):
        words = value.split()
        for word in words:
            queryset = queryset.filter(
                Q(staff__first_name__icontains=word)
                | Q(staff__last_name__icontains=word)
                | Q(staff__employee_id__icontains=word)
            )
        return queryset


class StatusColumn(Column):
    def get_value(self, instance):
        return STATUS_LABELS[instance.status]


class StaffReportView(ReportView):
    page_title = _("Staff training report")
    header_icon = "table"
    filterset_class = StaffReportFilterSet
    index_url_name = "reports_staff"
    index_results_url_name = "reports_staff_results"
    paginate_by = 50
    default_ordering = "staff__last_name"
    list_export = [
        "staff.last_name",
        "staff.first_name",
        "staff.employee_id",
        "staff.location.name",
        "staff.job_title",
        "status_label",
        "due_on",
        "completed_on",
        "certificate_code",
    ]
    export_headings = {
        "staff.last_name": _("Last name"),
        "staff.first_name": _("First name"),
        "staff.employee_id": _("Employee id"),
        "staff.location.name": _("Location"),
        "staff.job_title": _("Job title"),
        "status_label": _("Status"),
        "due_on": _("Due"),
        "completed_on": _("Completed"),
        "certificate_code": _("Certificate"),
    }
    columns = [
        TitleColumn(
            "staff",
            label=_("Name"),
            sort_key="staff__last_name",
            accessor=lambda a: f"{a.staff.last_name}, {a.staff.first_name}",
            get_url=lambda a: reverse("reports_person", args=[a.staff_id]),
        ),
        Column(
            "employee_id",
            label=_("Employee id"),
            sort_key="staff__employee_id",
            accessor=lambda a: a.staff.employee_id,
        ),
        Column(
            "location",
            label=_("Location"),
            sort_key="staff__location__name",
            accessor=lambda a: a.staff.location.name,
        ),
        Column(
            "job_title",
            label=_("Job title"),
            sort_key="staff__job_title",
            accessor=lambda a: a.staff.job_title,
        ),
        StatusColumn("status", label=_("Status"), sort_key="status"),
        DateColumn("due_on", label=_("Due"), sort_key="due_on"),
        DateColumn("completed_at", label=_("Completed"), sort_key="completed_at"),
        Column("certificate_code", label=_("Certificate")),
    ]

    def dispatch(self, request, *args, **kwargs):
        _require_reports(request)
        return super().dispatch(request, *args, **kwargs)

    def get_filename(self):
        return f"staff-training-{self.cycle.name if self.cycle else 'report'}"

    def get_base_queryset(self):
        self.cycle = selectors.cycle_for_request(self.request.GET.get("cycle"))
        if self.cycle is None:
            return Assignment.objects.none()
        return selectors.report_assignments(
            user=self.request.user, cycle=self.cycle
        ).select_related("staff__location", "certificate")

    def get_queryset(self):
        queryset = self.get_base_queryset()
        ordering = self.request.GET.get("ordering", self.default_ordering)
        allowed = {c.sort_key for c in self.columns if c.sort_key}
        if ordering.lstrip("-") in allowed:
            queryset = queryset.order_by(ordering, "pk")
        return queryset

    def decorate_paginated_queryset(self, object_list):
        for assignment in object_list:
            _decorate(assignment)
        return object_list

    def to_row_dict(self, item):
        _decorate(item)
        row = super().to_row_dict(item)
        return {field: neutralise_formula(value) for field, value in row.items()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cycle"] = self.cycle
        context["cycles"] = TrainingCycle.objects.all()
        return context


def _decorate(assignment):
    """Add the display values the report's columns and exports read."""
    assignment.status_label = STATUS_LABELS[assignment.status]
    assignment.completed_on = assignment.completed_at.date() if assignment.completed_at else None
    try:
        assignment.certificate_code = assignment.certificate.code
    except Certificate.DoesNotExist:
        assignment.certificate_code = ""


def person_record(request, staff_id: int):
    """Everything about one staff member's training: every cycle, its attempts, acknowledgement
    and certificate. 404 for staff outside the administrator's locations."""
    _require_reports(request)
    staff = get_object_or_404(
        Staff.objects.select_related("location", "user"),
        pk=staff_id,
        location__in=selectors.visible_locations(user=request.user),
    )
    from quizzes.models import Attempt

    assignments = list(staff.assignments.select_related("cycle").order_by("-cycle__starts_on"))
    attempts = list(
        Attempt.objects.filter(user=staff.user, submitted_at__isnull=False)
        .select_related("quiz__section")
        .order_by("started_at")
        if staff.user_id
        else []
    )
    from certificates.models import Acknowledgement

    acknowledgements = {
        a.assignment_id: a for a in Acknowledgement.objects.filter(assignment__in=assignments)
    }
    certificates = {
        c.assignment_id: c for c in Certificate.objects.filter(assignment__in=assignments)
    }
    cycles = []
    for assignment in assignments:
        cycle = assignment.cycle
        cycles.append(
            {
                "assignment": assignment,
                "attempts": [
                    a for a in attempts if cycle.starts_on <= a.started_at.date() <= cycle.ends_on
                ],
                "acknowledgement": acknowledgements.get(assignment.pk),
                "certificate": certificates.get(assignment.pk),
            }
        )
    return TemplateResponse(request, "reports/person.html", {"staff": staff, "cycles": cycles})
