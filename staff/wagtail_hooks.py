"""The roster in the Wagtail admin: staff, locations, cycles and assignments under one menu,
the roster upload with its preview, and an 'invite' bulk action."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from reports.models import LocationAccess

from . import admin_views
from .models import Assignment, Location, Staff, TrainingCycle
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


class TrainingCycleViewSet(SnippetViewSet):
    model = TrainingCycle
    icon = "date"
    menu_label = _("Training cycles")
    list_display = ["name", "starts_on", "refresher_due_on", "ends_on", "new_hire_due_days"]


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


@hooks.register("register_bulk_action")
class InviteBulkAction(SnippetBulkAction):
    display_name = _("Send invitation")
    aria_label = _("Send a set-your-password invitation to the selected staff")
    action_type = "invite"
    template_name = "staff/admin/confirm_bulk_invite.html"
    action_priority = 20
    models = [Staff]

    def check_perm(self, snippet):
        return self.request.user.has_perm("staff.change_staff")

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        request = kwargs["self"].request
        staff = list(Staff.objects.filter(pk__in=[s.pk for s in objects]).select_related("user"))
        sent = invitations_send(staff=staff, base_url=request.build_absolute_uri("/"), resend=True)
        return sent, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d invitation queued for sending.",
            "%(count)d invitations queued for sending.",
            num_parent_objects,
        ) % {"count": num_parent_objects}


@hooks.register("register_admin_urls")
def roster_urls():
    return [
        path("roster/import/", admin_views.roster_upload, name="roster_upload"),
        path("roster/import/<int:pk>/", admin_views.roster_preview, name="roster_preview"),
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
