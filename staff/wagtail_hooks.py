"""The roster in the Wagtail admin: staff, locations, cycles and assignments under one menu,
the roster upload with its preview, and an 'invite' bulk action."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_list_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from reports.models import LocationAccess

from . import admin_views
from .cycle_admin import TrainingCycleViewSet
from .models import Assignment, Location, Staff
from .selectors import invitations_plan
from .services import invitations_send


class StaffViewSet(SnippetViewSet):
    model = Staff
    icon = "user"
    menu_label = _("Staff")
    list_display = [
        "last_name",
        "first_name",
        "employee_id",
        "email",
        "location",
        "job_title",
        "is_active",
    ]
    list_filter = ["location", "is_active"]
    search_fields = ["first_name", "last_name", "employee_id", "email"]
    list_per_page = 50

    def get_queryset(self, request):
        return Staff.objects.select_related("location")


class LocationViewSet(SnippetViewSet):
    model = Location
    icon = "site"
    menu_label = _("Locations")
    list_display = ["name"]
    search_fields = ["name"]


class AssignmentViewSet(SnippetViewSet):
    model = Assignment
    icon = "tasks"
    menu_label = _("Assignments")
    list_display = ["staff", "cycle", "kind", "due_on", "completed_at"]
    list_filter = ["cycle", "kind"]
    search_fields = ["staff__first_name", "staff__last_name", "staff__employee_id"]
    list_per_page = 50

    def get_queryset(self, request):
        return Assignment.objects.select_related("staff", "cycle")


class LocationAccessViewSet(SnippetViewSet):
    """Who administers which location (what a location administrator sees in reports)."""

    model = LocationAccess
    icon = "key"
    menu_label = _("Location administrators")
    list_display = ["user", "location"]
    list_filter = ["location"]


class StaffGroup(SnippetViewSetGroup):
    menu_label = _("Staff")
    menu_icon = "group"
    menu_order = 200
    items = (
        StaffViewSet,
        LocationViewSet,
        TrainingCycleViewSet,
        AssignmentViewSet,
        LocationAccessViewSet,
    )


register_snippet(StaffGroup)


class InviteForm(forms.Form):
    resend = forms.BooleanField(
        required=False,
        label=_("Send again to those invited before"),
        help_text=_("Their earlier link stops working once they use the new one."),
    )


@hooks.register("register_bulk_action")
class InviteBulkAction(SnippetBulkAction):
    """Invite the selected staff; the page that follows names who was invited and who was
    not, and why (staff.services.invitations_send decides both)."""

    display_name = _("Send invitation")
    aria_label = _("Send a set-your-password invitation to the selected staff")
    action_type = "invite"
    template_name = "staff/admin/confirm_bulk_invite.html"
    action_priority = 20
    models = [Staff]
    form_class = InviteForm

    def check_perm(self, snippet):
        return self.request.user.has_perm(admin_views.INVITE_PERMISSION)

    def dispatch(self, request, *args, **kwargs):
        # Refused outright, not shown as a page of people one may not invite.
        if not request.user.has_perm(admin_views.INVITE_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @classmethod
    def get_queryset(cls, model, object_ids):
        return get_list_or_404(Staff.objects.select_related("user", "location"), pk__in=object_ids)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["plan"] = invitations_plan(staff=[item["item"] for item in context["items"]])
        return context

    def form_valid(self, form):
        staff, _no_access = self.get_actionable_objects()
        result = invitations_send(
            staff=staff,
            base_url=self.request.build_absolute_uri("/"),
            resend=form.cleaned_data["resend"],
            invited_by=self.request.user,
        )
        return TemplateResponse(
            self.request,
            "staff/admin/invitation_result.html",
            {"result": result, "back_url": self.next_url},
        )


@hooks.register("register_admin_urls")
def roster_urls():
    return [
        path("roster/import/", admin_views.roster_upload, name="roster_upload"),
        path("roster/import/<int:pk>/", admin_views.roster_preview, name="roster_preview"),
        path("roster/import/<int:pk>/invite/", admin_views.roster_invite, name="roster_invite"),
    ]


class PermissionMenuItem(MenuItem):
    """A menu item shown only to people who hold `permission`: the menu lists what a person
    may use, nothing that would then refuse them."""

    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_menu_item")
def roster_menu_item():
    return PermissionMenuItem(
        _("Import roster"),
        reverse("roster_upload"),
        icon_name="upload",
        order=210,
        permission=admin_views.ROSTER_PERMISSION,
    )
