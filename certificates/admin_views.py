"""Certificate administration in the Wagtail admin: revoke with a reason. (The ZIP of a
location's certificates is prepared in the background: see jobs.)"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

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
