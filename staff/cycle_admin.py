"""Training cycles in the Wagtail admin. A cycle is opened, never merely added: choose the
school year, check or change its dates, see who will be assigned what and by when, then apply.
The preview and the apply run the same rule as `manage.py open_cycle` (staff.selectors
.cycle_opening counts what staff.services.cycle_open creates), so a cycle never exists without
its assignments."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet

from .admin_staff import GuardedDeleteView
from .models import TrainingCycle
from .selectors import cycle_opening
from .services import cycle_check, cycle_dates_for_year, cycle_open

OPEN_PERMISSION = "staff.add_trainingcycle"
# School years offered: from the one before the current one to three ahead.
YEARS_BEFORE, YEARS_AHEAD = 1, 3

ALREADY_ASSIGNED = _("%(name)s is open; every active staff member already has an assignment in it.")


def school_year_of(day) -> int:
    """The year the school year holding `day` starts in."""
    return day.year if day >= cycle_dates_for_year(day.year)["starts_on"] else day.year - 1


def year_choices() -> list[tuple[int, str]]:
    current = school_year_of(timezone.localdate())
    return [
        (year, f"{year}-{year + 1}")
        for year in range(current - YEARS_BEFORE, current + YEARS_AHEAD + 1)
    ]


def default_year() -> int:
    """The year after the latest cycle (the one HR opens next), else the current one. A cycle
    belongs to the school year its middle day falls in: one opened a few weeks early, or
    running a few weeks late, is still that year's."""
    latest = TrainingCycle.objects.order_by("-starts_on").first()
    choices = [year for year, _label in year_choices()]
    if latest:
        year = school_year_of(latest.starts_on + (latest.ends_on - latest.starts_on) / 2) + 1
    else:
        year = school_year_of(timezone.localdate())
    return min(max(year, choices[0]), choices[-1])


class SchoolYearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("School year"), coerce=int, choices=year_choices)


class DateInput(forms.DateInput):
    input_type = "date"  # the browser's own date field: works without JavaScript

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CycleOpenForm(forms.Form):
    year = forms.TypedChoiceField(
        coerce=int, choices=year_choices, widget=forms.HiddenInput, label=_("School year")
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput())
    refresher_due_on = forms.DateField(
        label=_("Refresher due on"),
        widget=DateInput(),
        help_text=_("Staff hired before the cycle starts complete the refresher by this date."),
    )
    new_hire_due_days = forms.IntegerField(
        label=_("Days a new hire has"),
        min_value=1,
        max_value=365,
        help_text=_("Staff hired during the cycle are due this many days after their hire date."),
    )

    def cycle_fields(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("starts_on", "ends_on", "refresher_due_on", "new_hire_due_days")
        }

    def candidate(self) -> TrainingCycle:
        """The cycle as chosen, unsaved: what the preview shows."""
        name = cycle_dates_for_year(self.cleaned_data["year"])["name"]
        return TrainingCycle(name=name, **self.cycle_fields())

    def check(self) -> bool:
        """The form's own checks, then the service's (dates in order, no overlap) on the
        fields they name; a cycle that exists already is opened on its own dates."""
        if not self.is_valid():
            return False
        candidate = self.candidate()
        if TrainingCycle.objects.filter(name=candidate.name).exists():
            return True
        try:
            cycle_check(cycle=candidate)
        except ValidationError as exc:
            self.add_error(None, exc)
            return False
        return True


def _require_permission(request):
    if not request.user.has_perm(OPEN_PERMISSION):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def cycle_open_view(request):
    """Step 1 (GET): the school year. Step 2 (GET ?year=): its dates, defaulted and editable.
    Step 3 (POST "preview"): who will be assigned what. Apply (POST "apply"): open it."""
    _require_permission(request)
    if request.method == "POST":
        form = CycleOpenForm(request.POST)
        if not form.check():
            return _dates_page(request, form, status=400)
        step = request.POST.get("step")
        if step == "edit":
            return _dates_page(request, form)
        if step == "apply":
            return _apply(request, form)
        return TemplateResponse(
            request,
            "staff/admin/cycle_open_preview.html",
            {"form": form, "opening": cycle_opening(cycle=form.candidate())},
        )
    if "year" not in request.GET:
        return TemplateResponse(
            request,
            "staff/admin/cycle_open.html",
            {"year_form": SchoolYearForm(initial={"year": default_year()})},
        )
    year_form = SchoolYearForm(request.GET)
    if not year_form.is_valid():
        return TemplateResponse(
            request, "staff/admin/cycle_open.html", {"year_form": year_form}, status=400
        )
    year = year_form.cleaned_data["year"]
    defaults = cycle_dates_for_year(year)
    existing = TrainingCycle.objects.filter(name=defaults.pop("name")).first()
    if existing is not None:  # opening it again assigns whoever is missing, on its own dates
        defaults = {name: getattr(existing, name) for name in defaults}
    return _dates_page(request, CycleOpenForm(initial={"year": year, **defaults}))


def _dates_page(request, form: CycleOpenForm, status: int = 200) -> TemplateResponse:
    # The year as offered (a tampered one names no school year).
    name = {str(year): label for year, label in year_choices()}.get(str(form["year"].value()), "")
    return TemplateResponse(
        request,
        "staff/admin/cycle_open.html",
        {
            "form": form,
            "cycle_name": name,
            "existing": TrainingCycle.objects.filter(name=name).first() if name else None,
        },
        status=status,
    )


def _apply(request, form: CycleOpenForm):
    try:
        cycle, created = cycle_open(
            year=form.cleaned_data["year"], by=request.user, **form.cycle_fields()
        )
    except ValidationError as exc:  # another cycle was opened meanwhile
        form.add_error(None, exc)
        return _dates_page(request, form, status=400)
    if created:
        message = ngettext(
            "%(name)s is open: %(count)d assignment made.",
            "%(name)s is open: %(count)d assignments made.",
            created,
        ) % {"name": cycle.name, "count": created}
    else:
        message = ALREADY_ASSIGNED % {"name": cycle.name}
    messages.success(request, message)
    url = reverse("wagtailsnippets_staff_assignment:list")
    return redirect(f"{url}?cycle={cycle.pk}")


class TrainingCycleIndexView(IndexView):
    add_item_label = _("Open a new cycle")


class TrainingCycleViewSet(SnippetViewSet):
    """Cycles are listed and edited here; "Open a new cycle" replaces the plain "Add", so no
    cycle is created without assigning everyone (cycle_open_view)."""

    model = TrainingCycle
    icon = "date"
    menu_label = _("Training cycles")
    list_display = ["name", "starts_on", "refresher_due_on", "ends_on", "new_hire_due_days"]
    index_view_class = TrainingCycleIndexView
    # A copy would be a cycle created without its assignments.
    copy_view_enabled = False
    # Deleted only while no assignment refers to it (staff.admin_staff).
    delete_view_class = GuardedDeleteView

    @cached_property
    def add_view(self):
        return cycle_open_view
