"""The roster in the Wagtail admin: staff, locations, cycles and assignments under one menu,
the roster upload with its preview, 'invite', 'deactivate' and 'reactivate' bulk actions, and
the sheet of sign-in codes HR prints for staff without a work e-mail."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError, RestrictedError
from django.shortcuts import get_list_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.log_actions import log
from wagtail.permissions import register_permission_policy
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from eupsite.audit import audit_actions_register
from eupsite.permissions import PermissionMenuItem

from . import admin_staff, admin_views, selectors
from .admin_staff import (
    DeletedWhileUnusedPolicy,
    GuardedDeleteView,
    SignInPanel,
    StaffNeverDeletedPolicy,
    deletion_blockers,
)
from .cycle_admin import TrainingCycleViewSet
from .forms import StaffAdminForm
from .models import Assignment, Location, LocationAccess, Staff, TrainingCycle
from .rules_admin import AssignmentRuleViewSet, assignment_rules_apply_view
from .selectors import invitations_plan
from .services import (
    CYCLE_OPEN_ACTION,
    EXEMPT_ACTION,
    EXTEND_ACTION,
    ROSTER_APPLY_ACTION,
    RULES_APPLY_ACTION,
    invitations_send,
    staff_set_active,
)

# Before the viewsets below are registered, which would otherwise give these models Wagtail's
# default policy.
register_permission_policy(Staff, StaffNeverDeletedPolicy(Staff))
register_permission_policy(Location, DeletedWhileUnusedPolicy(Location))
register_permission_policy(TrainingCycle, DeletedWhileUnusedPolicy(TrainingCycle))


class StaffViewSet(SnippetViewSet):
    model = Staff
    icon = "user"
    menu_label = _("Staff")
    index_view_class = admin_staff.StaffIndexView
    edit_view_class = admin_staff.StaffEditView
    index_template_name = "staff/admin/staff_index.html"
    # A copy would carry another person's employee id and e-mail: add a new one instead.
    copy_view_enabled = False
    list_display = [
        "last_name",
        "first_name",
        "employee_id",
        admin_staff.EmptyShownColumn("email", label=_("Work e-mail"), sort_key="email"),
        "location",
        "job_title",
        # Words, not only an icon: read aloud, printed and searched the same way.
        Column(
            "is_active",
            label=_("Active"),
            accessor=lambda staff: _("Yes") if staff.is_active else _("No"),
            sort_key="is_active",
        ),
        Column(
            "sign_in",
            label=_("Sign-in"),
            accessor=lambda staff: selectors.SIGN_IN_STATES[selectors.sign_in_state(staff)],
        ),
    ]
    list_filter = ["location", "is_active"]
    search_fields = ["first_name", "last_name", "employee_id", "email"]
    list_per_page = 50
    edit_handler = ObjectList(
        [
            FieldPanel("employee_id"),
            FieldRowPanel([FieldPanel("first_name"), FieldPanel("last_name")]),
            FieldPanel("email"),
            # A chooser ("Choose location"), as for every foreign key to a snippet.
            FieldPanel("location"),
            FieldPanel("job_title"),
            FieldPanel("hire_date"),
            SignInPanel(heading=_("Sign-in")),
        ],
        base_form_class=StaffAdminForm,
    )

    def get_queryset(self, request):
        return Staff.objects.select_related("location", "user")


class LocationViewSet(SnippetViewSet):
    model = Location
    icon = "site"
    menu_label = _("Locations")
    list_display = ["name"]
    search_fields = ["name"]
    delete_view_class = GuardedDeleteView
    chooser_viewset_class = admin_staff.LocationChooserViewSet


class AssignmentViewSet(SnippetViewSet):
    model = Assignment
    icon = "tasks"
    menu_label = _("Assignments")
    list_display = ["staff", "cycle", "course", "kind", "due_on", "completed_at"]
    list_filter = ["cycle", "course", "kind"]
    search_fields = ["staff__first_name", "staff__last_name", "staff__employee_id"]
    list_per_page = 50

    def get_queryset(self, request):
        return Assignment.objects.select_related("staff", "cycle", "course")


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
    # Menu items that are not viewsets (the sheet of sign-in codes) join through this hook.
    submenu_hook = "register_staff_menu_item"
    items = (
        StaffViewSet,
        LocationViewSet,
        TrainingCycleViewSet,
        AssignmentViewSet,
        AssignmentRuleViewSet,
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


class StaffActivityBulkAction(SnippetBulkAction):
    """Deactivate or Reactivate the selected staff (one person from their listing button or
    edit page, or many): the confirmation says what happens; staff.services.staff_set_active
    does it."""

    models = [Staff]
    template_name = "staff/admin/confirm_bulk_activity.html"
    active: bool

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(admin_staff.STAFF_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def check_perm(self, snippet):
        return self.request.user.has_perm(admin_staff.STAFF_PERMISSION)

    @classmethod
    def get_queryset(cls, model, object_ids):
        # Ids come from the address: anything but a number selects nobody (404), never a 500.
        ids = [int(i) for i in object_ids if str(i).isdigit()]
        return get_list_or_404(model.objects.select_related("location"), pk__in=ids)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "active": self.active}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        request = kwargs["self"].request
        changing = [staff for staff in objects if staff.is_active != cls.active]
        changed = staff_set_active(staff_ids=[staff.pk for staff in objects], active=cls.active)
        for staff in changing:
            staff.is_active = cls.active
            log(instance=staff, action=cls.log_action, user=request.user)
        return changed, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return admin_staff.activity_success_message(active=self.active, changed=num_parent_objects)


@hooks.register("register_bulk_action")
class DeactivateBulkAction(StaffActivityBulkAction):
    display_name = _("Deactivate")
    aria_label = _("Deactivate the selected staff: they can no longer sign in")
    action_type = "deactivate"
    action_priority = 30
    active = False
    log_action = "staff.deactivate"


@hooks.register("register_bulk_action")
class ReactivateBulkAction(StaffActivityBulkAction):
    display_name = _("Reactivate")
    aria_label = _("Reactivate the selected staff")
    action_type = "reactivate"
    action_priority = 40
    active = True
    log_action = "staff.reactivate"


# After Wagtail's own (order 1): the same Delete, for locations and cycles, that lists what
# keeps each from being deleted and deletes only the others.
@hooks.register("register_bulk_action", order=1)
class GuardedDeleteBulkAction(DeleteBulkAction):
    models = [Location, TrainingCycle]
    template_name = "staff/admin/confirm_bulk_delete_guarded.html"

    @classmethod
    def get_queryset(cls, model, object_ids):
        ids = [int(i) for i in object_ids if str(i).isdigit()]
        return get_list_or_404(model, pk__in=ids)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kept"] = [
            (item, deletion_blockers(item)) for item in context.get("items_with_no_access", [])
        ]
        return context

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        try:
            return super().execute_action(objects, user=user, **kwargs)
        except (ProtectedError, RestrictedError):
            # Something came to refer to one of them meanwhile: nothing is deleted.
            return 0, 0


@hooks.register("register_log_actions")
def staff_log_actions(actions):
    actions.register_action(
        "staff.deactivate", _("Deactivate"), _("Deactivated: sign-in disabled, sessions ended")
    )
    actions.register_action("staff.reactivate", _("Reactivate"), _("Reactivated"))
    audit_actions_register(
        actions,
        {
            ROSTER_APPLY_ACTION: (_("Apply roster import"), _("Roster import applied")),
            CYCLE_OPEN_ACTION: (_("Open training cycle"), _("Cycle opened, staff assigned")),
            EXTEND_ACTION: (_("Extend due date"), _("Due date extended")),
            EXEMPT_ACTION: (_("Exempt from cycle"), _("Exempted from the cycle")),
            RULES_APPLY_ACTION: (
                _("Apply assignment rules"),
                _("Assignment rules applied, staff assigned"),
            ),
        },
    )


class AuditMenuItem(MenuItem):
    """Wagtail's site history, for the administrators who answer for the district's records
    (it lists only the entries of the records each person may see)."""

    def is_shown(self, request):
        return request.user.has_perm("reports.view_all_locations")


@hooks.register("register_admin_menu_item")
def audit_menu_item():
    return AuditMenuItem(
        _("Audit trail"),
        reverse("wagtailadmin_reports:site_history"),
        icon_name="history",
        order=900,
    )


@hooks.register("register_admin_urls")
def roster_urls():
    return [
        path("roster/import/", admin_views.roster_upload, name="roster_upload"),
        path("roster/import/<int:pk>/", admin_views.roster_preview, name="roster_preview"),
        path("staff/sign-in-codes/", admin_staff.sign_in_sheet, name="sign_in_sheet"),
        path("roster/import/<int:pk>/invite/", admin_views.roster_invite, name="roster_invite"),
        path(
            "snippets/staff/assignmentrule/apply/",
            assignment_rules_apply_view,
            name="assignment_rules_apply",
        ),
    ]


@hooks.register("register_admin_menu_item")
def roster_menu_item():
    return PermissionMenuItem(
        _("Import roster"),
        reverse("roster_upload"),
        icon_name="upload",
        order=210,
        permission=admin_views.ROSTER_PERMISSION,
    )


@hooks.register("register_staff_menu_item")
def sign_in_sheet_menu_item():
    return PermissionMenuItem(
        _("Print sign-in codes"),
        reverse("sign_in_sheet"),
        icon_name="doc-full",
        order=10,
        permission=admin_staff.STAFF_PERMISSION,
    )
