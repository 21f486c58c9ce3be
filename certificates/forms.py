"""What an administrator asks the worker for: the certificates of one location in one cycle."""

from django import forms

from staff.models import Location, TrainingCycle


class CertificatesZipForm(forms.Form):
    location = forms.ModelChoiceField(queryset=Location.objects.order_by("name"))
    cycle = forms.ModelChoiceField(queryset=TrainingCycle.objects.order_by("-starts_on"))
