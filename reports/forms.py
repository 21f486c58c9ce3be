"""Forms of the person record (extend a due date, exempt from a cycle: both need a reason),
and of asking for a records archive."""

from django import forms
from django.utils.translation import gettext_lazy as _

from staff.models import TrainingCycle
from staff.services import REASON_LIMIT

REASON_HELP = _("Kept with the record and shown in the staff report, e.g. long-term leave.")


class ExtensionForm(forms.Form):
    due_on = forms.DateField(
        label=_("New due date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%m/%d/%Y"],
        error_messages={
            "required": _("Give the new due date."),
            "invalid": _("Write the new due date as YYYY-MM-DD or MM/DD/YYYY."),
        },
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=REASON_HELP,
        error_messages={"required": _("Give a reason: it is kept with the record.")},
    )


class ExemptionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=REASON_HELP,
        error_messages={"required": _("Give a reason: it is kept with the record.")},
    )


class RecordsArchiveForm(forms.Form):
    """What an administrator asks the worker for: the records archive of one cycle."""

    cycle = forms.ModelChoiceField(queryset=TrainingCycle.objects.order_by("-starts_on"))
