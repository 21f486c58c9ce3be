from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from . import selectors, views


@hooks.register("register_admin_urls")
def report_urls():
    return [
        path("completion/", views.dashboard, name="reports_dashboard"),
        path("completion/staff/", views.StaffReportView.as_view(), name="reports_staff"),
        path(
            "completion/staff/results/",
            views.StaffReportView.as_view(results_only=True),
            name="reports_staff_results",
        ),
        path("completion/staff/remind/", views.remind, name="reports_remind"),
        path("completion/person/<int:staff_id>/", views.person_record, name="reports_person"),
        path(
            "completion/person/<int:staff_id>/acknowledgements/<int:acknowledgement_id>/",
            views.acknowledgement_signed,
            name="reports_acknowledgement",
        ),
        path(
            "completion/person/<int:staff_id>/assignments/<int:assignment_id>/extend/",
            views.person_adjust,
            {"action": "extend"},
            name="reports_person_extend",
        ),
        path(
            "completion/person/<int:staff_id>/assignments/<int:assignment_id>/exempt/",
            views.person_adjust,
            {"action": "exempt"},
            name="reports_person_exempt",
        ),
    ]


class ReportsMenuItem(MenuItem):
    def is_shown(self, request):
        return selectors.can_see_reports(request.user)


@hooks.register("register_admin_menu_item")
def dashboard_menu_item():
    return ReportsMenuItem(
        _("Training completion"), reverse("reports_dashboard"), icon_name="table", order=150
    )


@hooks.register("register_admin_menu_item")
def staff_report_menu_item():
    return ReportsMenuItem(
        _("Staff training report"), reverse("reports_staff"), icon_name="list-ul", order=151
    )


class CompletionPanel(Component):
    name = "training_completion"
    order = 50

    def __init__(self, request):
        self.request = request

    def render_html(self, parent_context=None):
        cycle = selectors.cycle_for_request(None)
        if cycle is None:
            return ""
        from training.selectors import live_courses

        courses = list(live_courses())
        rows = []
        for course in courses:
            data = selectors.dashboard(user=self.request.user, cycle=cycle, course=course)
            rows.append(
                {
                    "course": course,
                    "overall": views.linked_rate(
                        data.overall, cycle=cycle, course=course if len(courses) > 1 else None
                    ),
                }
            )
        return render_to_string(
            "reports/home_panel.html",
            {"cycle": cycle, "rows": rows, "several": len(courses) > 1},
            request=self.request,
        )


@hooks.register("construct_homepage_panels")
def add_completion_panel(request, panels):
    if selectors.can_see_reports(request.user):
        panels.insert(0, CompletionPanel(request))
