"""HR's work on staff members in the Wagtail admin: who may delete what (nobody deletes a staff
member; a location or cycle only while nothing refers to it), Deactivate and Reactivate
buttons, and the printed sheet of sign-in codes. Thin: the rules are in services and
selectors."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import PROTECT, RESTRICT, ProtectedError, RestrictedError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.panels import Panel
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views import chooser as snippet_chooser_views
from wagtail.snippets.views import snippets as snippet_views

from . import selectors, services
from .forms import SignInSheetForm
from .models import Location, Staff, TrainingCycle

STAFF_PERMISSION = "staff.change_staff"


# --- who may delete what ---------------------------------------------------------------------


class StaffNeverDeletedPolicy(ModelPermissionPolicy):
    """A staff member is never deleted, not even by a superuser: their quiz attempts,
    acknowledgements and certificates are compliance records that must stay, and someone who
    leaves is deactivated instead. So no Delete button, bulk action or URL exists for them."""

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class DeletedWhileUnusedPolicy(ModelPermissionPolicy):
    """Locations and training cycles may be deleted (by whoever holds the permission) only
    while no record refers to them: a location with staff, a cycle with assignments stays."""

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete" and deletion_blockers(instance):
            return False
        return super().user_has_permission_for_instance(user, action, instance)


def deletion_blockers(instance) -> list[str]:
    """What keeps `instance` from being deleted, as "2 staff members": the rows that refer to
    it through a protecting foreign key, counted (one query per such relation, never loading
    the rows). Empty when it may be deleted."""
    blockers = []
    for relation in instance._meta.related_objects:
        if relation.on_delete not in (PROTECT, RESTRICT):
            continue
        count = relation.related_model._base_manager.filter(
            **{relation.field.name: instance}
        ).count()
        if count:
            opts = relation.related_model._meta
            name = opts.verbose_name if count == 1 else opts.verbose_name_plural
            blockers.append(f"{count} {name}")
    return blockers


# Why each kind of record is kept, and what to do instead of deleting it.
DELETE_REFUSED_ADVICE = {
    Location: _(
        "Move its staff to another location first (edit each staff member, or import the "
        "roster), or rename the location instead."
    ),
    TrainingCycle: _(
        "A cycle with assignments holds staff members' training records, which are kept. "
        "Correct its dates instead."
    ),
}


class GuardedDeleteView(snippet_views.DeleteView):
    """Wagtail's delete view, which first says plainly when something refers to the record and
    offers no way to delete it (rather than a confirmation page that then fails)."""

    refused_template_name = "staff/admin/delete_refused.html"

    @cached_property
    def blockers(self) -> list[str]:
        return deletion_blockers(self.object)

    def refused(self):
        return TemplateResponse(
            self.request,
            self.refused_template_name,
            {
                "object": self.object,
                "model_name": self.object._meta.verbose_name,
                "blockers": self.blockers,
                "advice": DELETE_REFUSED_ADVICE.get(type(self.object), ""),
                "index_url": reverse(self.index_url_name),
                "edit_url": reverse(self.edit_url_name, args=[self.object.pk]),
            },
        )

    def get(self, request, *args, **kwargs):
        if self.blockers:
            return self.refused()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.blockers:
            return self.refused()
        try:
            return super().post(request, *args, **kwargs)
        except (ProtectedError, RestrictedError):
            # Something came to refer to it between the check and the delete.
            del self.blockers
            return self.refused()


# --- the staff member's form ----------------------------------------------------------------


class LocationSearchForm(BaseFilterForm):
    """Search the location chooser by name (a district has dozens of schools and departments).
    A plain database filter: locations made by a roster import (in bulk) are found at once,
    with no search index to keep up to date."""

    q = forms.CharField(
        label=_("Search term"),
        widget=forms.TextInput(attrs={"placeholder": _("Search locations")}),
        required=False,
    )

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            self.is_searching, self.search_query = True, query
            objects = objects.filter(name__icontains=query)
        return objects


class LocationChooseView(snippet_chooser_views.ChooseView):
    filter_form_class = LocationSearchForm


class LocationChooseResultsView(snippet_chooser_views.ChooseResultsView):
    filter_form_class = LocationSearchForm


class LocationChooserViewSet(snippet_chooser_views.SnippetChooserViewSet):
    choose_view_class = LocationChooseView
    choose_results_view_class = LocationChooseResultsView


class EmptyShownColumn(Column):
    """A column that says "none" for an empty value (a staff member without a work e-mail)
    rather than leaving a blank a reader cannot tell from a missing cell."""

    empty_value_display = _("none")


class SignInPanel(Panel):
    """Read-only, on the staff member's form: whether they are active, their login account and
    how they sign in. None of it is typed: the roster decides the account, Deactivate and
    Reactivate decide whether they may sign in."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "staff/admin/panels/sign_in.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            staff = self.instance
            context["staff"] = staff
            if staff is not None and staff.pk:
                context["state"] = selectors.SIGN_IN_STATES[selectors.sign_in_state(staff)]
            return context


# --- Deactivate and Reactivate -------------------------------------------------------------


def activity_action_url(*, staff: Staff, next_url: str) -> str:
    """Deactivate or Reactivate one staff member: the bulk action's confirmation page, with
    only them selected (one page and one rule for one person or many)."""
    action = "reactivate" if not staff.is_active else "deactivate"
    url = reverse("wagtail_bulk_action", args=["staff", "staff", action])
    return f"{url}?{urlencode({'next': next_url, 'id': staff.pk})}"


def activity_button(*, staff: Staff, next_url: str, priority: int) -> Button:
    label = _("Reactivate") if not staff.is_active else _("Deactivate")
    return Button(
        label,
        url=activity_action_url(staff=staff, next_url=next_url),
        icon_name="undo" if not staff.is_active else "cross",
        attrs={"aria-label": f"{label} {staff.full_name} ({staff.employee_id})"},
        priority=priority,
    )


class StaffIndexView(snippet_views.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.request.user.has_perm(STAFF_PERMISSION):
            buttons.append(
                activity_button(staff=instance, next_url=self.request.get_full_path(), priority=40)
            )
        return buttons

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(STAFF_PERMISSION):
            buttons.append(
                HeaderButton(
                    _("Print sign-in codes"), url=reverse("sign_in_sheet"), icon_name="doc-full"
                )
            )
        return buttons


class StaffEditView(snippet_views.EditView):
    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        if self.request.user.has_perm(STAFF_PERMISSION):
            buttons.append(
                activity_button(staff=self.object, next_url=self.request.path, priority=15)
            )
        return buttons


def activity_success_message(*, active: bool, changed: int) -> str:
    if not changed:
        return str(_("Nothing changed: the selected staff were already %(state)s.")) % {
            "state": _("active") if active else _("inactive")
        }
    if active:
        return ngettext(
            "%(count)d staff member reactivated. Those who had set a password can sign in again.",
            "%(count)d staff members reactivated. Those who had set a password can sign in again.",
            changed,
        ) % {"count": changed}
    return ngettext(
        "%(count)d staff member deactivated: they can no longer sign in, and any session they "
        "had open was ended.",
        "%(count)d staff members deactivated: they can no longer sign in, and any session they "
        "had open was ended.",
        changed,
    ) % {"count": changed}


# --- the sheet of sign-in codes --------------------------------------------------------------

NOBODY_WITHOUT_EMAIL = _(
    "Nobody at %(location)s needs a sign-in code: every active staff member there without a "
    "work e-mail has set a password. To include staff who have an e-mail but have not set a "
    "password, choose “Everyone who has not set a password yet”."
)
NOBODY_NEEDS_A_CODE = _(
    "Nobody at %(location)s needs a sign-in code: every active staff member there has set a "
    "password."
)


@require_http_methods(["GET", "POST"])
def sign_in_sheet(request):
    """HR picks a location; the answer to the POST is the printable sheet. The codes exist in
    clear only in that answer (stored as HMACs), so it is never cached, and printing again
    makes new codes that replace the earlier ones."""
    if not request.user.has_perm(STAFF_PERMISSION):
        raise PermissionDenied
    form = SignInSheetForm(
        request.POST if request.method == "POST" else None,
        initial={"location": request.GET.get("location")},
    )
    if request.method == "POST" and form.is_valid():
        location = form.cleaned_data["location"]
        sheet, printed = services.sign_in_sheet_print(
            location=location,
            printed_by=request.user,
            everyone_without_password=form.everyone_without_password,
        )
        if sheet is None:
            message = (
                NOBODY_NEEDS_A_CODE if form.everyone_without_password else NOBODY_WITHOUT_EMAIL
            )
            messages.warning(request, message % {"location": location})
            return redirect(f"{reverse('sign_in_sheet')}?{urlencode({'location': location.pk})}")
        response = TemplateResponse(
            request,
            "staff/admin/sign_in_sheet_print.html",
            {
                "sheet": sheet,
                "printed": printed,
                "sign_in_url": request.build_absolute_uri(reverse("sign_in_code")),
                "back_url": reverse("sign_in_sheet"),
            },
        )
        response["Cache-Control"] = "no-store"
        return response
    return TemplateResponse(
        request,
        "staff/admin/sign_in_sheet.html",
        {
            "form": form,
            "recent": selectors.sign_in_sheets_recent(),
            "valid_days": settings.SIGN_IN_CODE_VALID_DAYS,
        },
    )
