"""Assignment rules in the admin: who takes which course. Saving a rule leads to a preview of
what it adds to the current cycle, and nothing is assigned until the administrator applies
it (the same preview is reachable from the rules listing at any time)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.views.snippets import CreateView, EditView, IndexView, SnippetViewSet

from .models import AssignmentRule
from .selectors import rules_preview
from .services import assignment_rules_apply, cycle_current

APPLY_PERMISSION = "staff.change_assignmentrule"


class AssignmentRuleForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Courses by title, the published ones only; locations by name.
        self.fields["course"].queryset = self.fields["course"].queryset.filter(live=True)
        self.fields["course"].label_from_instance = lambda course: course.title
        self.fields["location"].empty_label = _("Every location")


class ToPreview:
    """After a rule is saved, show what it would add before anything is assigned."""

    def get_success_url(self):
        return reverse("assignment_rules_apply")

    def get_success_message(self, instance=None):
        return _("Rule saved. Check who it assigns, then apply it.")


class AssignmentRuleCreateView(ToPreview, CreateView):
    pass


class AssignmentRuleEditView(ToPreview, EditView):
    pass


class AssignmentRuleIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(APPLY_PERMISSION):
            buttons.append(
                HeaderButton(
                    _("Apply the rules to the current cycle"),
                    url=reverse("assignment_rules_apply"),
                    icon_name="tasks",
                )
            )
        return buttons


class AssignmentRuleViewSet(SnippetViewSet):
    model = AssignmentRule
    icon = "list-ul"
    menu_label = _("Assignment rules")
    # Words for "any", so an empty cell never has to be guessed at.
    list_display = [
        "course",
        Column(
            "job_title",
            label=_("Job title"),
            sort_key="job_title",
            accessor=lambda rule: rule.job_title or _("Every job title"),
        ),
        Column(
            "location",
            label=_("Location"),
            sort_key="location__name",
            accessor=lambda rule: rule.location.name if rule.location_id else _("Every location"),
        ),
    ]
    list_filter = ["course"]
    add_view_class = AssignmentRuleCreateView
    edit_view_class = AssignmentRuleEditView
    index_view_class = AssignmentRuleIndexView
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("course", widget=forms.Select),
            FieldPanel("job_title"),
            FieldPanel("location", widget=forms.Select),
        ],
        base_form_class=AssignmentRuleForm,
    )

    def get_queryset(self, request):
        return AssignmentRule.objects.select_related("course", "location")


@require_http_methods(["GET", "POST"])
def assignment_rules_apply_view(request):
    """GET: who the rules would assign in the current cycle, by course. POST: assign them."""
    if not request.user.has_perm(APPLY_PERMISSION):
        raise PermissionDenied
    if request.method == "POST":
        created = assignment_rules_apply(by=request.user)
        messages.success(
            request,
            ngettext("%(count)d assignment created.", "%(count)d assignments created.", created)
            % {"count": created},
        )
        return redirect(reverse("wagtailsnippets_staff_assignmentrule:list"))
    return TemplateResponse(
        request,
        "staff/admin/assignment_rules_apply.html",
        {"preview": rules_preview(cycle=cycle_current()), "shown": 50},
    )
