"""Forms of the staff app: the staff member in the admin, the sign-in sheet HR prints, and the
public sign-in with an employee id and a printed code. Thin: the rules are in services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import services
from .models import Location, Staff

# What HR types for a staff member by hand; whether they are active and their login account
# are never typed (Deactivate/Reactivate and the roster decide them).
STAFF_FORM_FIELDS = [
    "employee_id",
    "first_name",
    "last_name",
    "email",
    "location",
    "job_title",
    "hire_date",
]


class StaffAdminForm(WagtailAdminModelForm):
    """Add or edit a staff member in the admin, through the same services as a roster
    import."""

    def clean_email(self):
        return (self.cleaned_data.get("email") or "").strip().lower()

    def clean(self):
        cleaned = super().clean()
        if any(name in self._errors for name in STAFF_FORM_FIELDS):
            return cleaned
        candidate = Staff(
            pk=self.instance.pk,
            user_id=self.instance.user_id,
            **{name: cleaned.get(name) for name in STAFF_FORM_FIELDS},
        )
        try:
            services.staff_check_logins(staff=candidate, adopting=self.instance.pk is None)
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned

    def save(self, commit=True):
        values = {name: self.cleaned_data[name] for name in STAFF_FORM_FIELDS}
        if self.instance.pk is None:
            self.instance = services.staff_create(**values)
        else:
            services.staff_update(staff=self.instance, **values)
        return self.instance


class SignInSheetForm(forms.Form):
    NO_EMAIL, EVERYONE = "no_email", "everyone"

    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.all(),
        empty_label=_("Choose a location"),
    )
    who = forms.ChoiceField(
        label=_("Who gets a code"),
        choices=[
            (NO_EMAIL, _("Staff without a work e-mail who have not set a password")),
            (
                EVERYONE,
                _("Everyone who has not set a password yet (also those with a work e-mail)"),
            ),
        ],
        initial=NO_EMAIL,
        widget=forms.RadioSelect,
    )

    @property
    def everyone_without_password(self) -> bool:
        return self.cleaned_data["who"] == self.EVERYONE


class SignInCodeForm(forms.Form):
    employee_id = forms.CharField(label=_("Employee id"), max_length=50)
    code = forms.CharField(
        label=_("Sign-in code"),
        max_length=20,
        help_text=_("As printed on your sheet, e.g. ABCD-EFGH (capitals or not)."),
    )
