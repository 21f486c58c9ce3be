"""Certificate administration in the Wagtail admin: revoke with a reason, and a ZIP of all
certificates of a location and cycle."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from staff.models import Location, TrainingCycle

from . import services
from .models import Certificate


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Reason for revoking",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the certificate; the public verification page says only 'revoked'.",
    )


@require_http_methods(["GET", "POST"])
def certificate_revoke(request, pk: int):
    if not request.user.has_perm("certificates.change_certificate"):
        raise PermissionDenied
    certificate = get_object_or_404(Certificate, pk=pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.certificate_revoke(
            certificate=certificate, reason=form.cleaned_data["reason"], by=request.user
        )
        messages.success(request, f"Certificate {certificate.code} revoked.")
        return redirect("wagtailsnippets_certificates_certificate:list")
    return TemplateResponse(
        request, "certificates/admin/revoke.html", {"certificate": certificate, "form": form}
    )


class ZipForm(forms.Form):
    location = forms.ModelChoiceField(queryset=Location.objects.all())
    cycle = forms.ModelChoiceField(queryset=TrainingCycle.objects.all())


@require_http_methods(["GET"])
def certificates_zip(request):
    if not request.user.has_perm("certificates.view_certificate"):
        raise PermissionDenied
    form = ZipForm(request.GET or None)
    if request.GET and form.is_valid():
        location, cycle = form.cleaned_data["location"], form.cleaned_data["cycle"]
        certificates = list(
            Certificate.objects.filter(
                assignment__staff__location=location, assignment__cycle=cycle
            ).select_related("acknowledgement")
        )
        if not certificates:
            messages.info(request, f"No certificates for {location} in {cycle} yet.")
        else:
            try:
                data = services.certificates_zip(certificates=certificates)
            except services.CertificateUnavailable as exc:
                messages.error(request, str(exc))
            else:
                name = f"certificates-{cycle.name}-{location.name}.zip".replace(" ", "_")
                response = HttpResponse(data, content_type="application/zip")
                response["Content-Disposition"] = f'attachment; filename="{name}"'
                return response
    return TemplateResponse(request, "certificates/admin/zip.html", {"form": form})
