"""Certificate administration in the Wagtail admin: revoke with a reason. (The ZIP of a
location's certificates is prepared in the background: see jobs.)"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from . import services
from .models import Certificate


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the certificate; the public verification page says only 'revoked'."),
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
        messages.success(
            request, gettext("Certificate %(code)s revoked.") % {"code": certificate.code}
        )
        return redirect("wagtailsnippets_certificates_certificate:list")
    return TemplateResponse(
        request, "certificates/admin/revoke.html", {"certificate": certificate, "form": form}
    )


PUBLISH_PERMISSION = "training.change_policyversion"


def _require_publisher(request):
    if not request.user.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied


@require_http_methods(["GET"])
def policy_versions(request):
    """Every version of the acknowledgement, newest first, with what each changed and whether
    it is published."""
    from training.models import PolicyVersion

    _require_publisher(request)
    versions = list(
        PolicyVersion.objects.select_related("course").order_by("course__path", "-number")
    )
    return TemplateResponse(
        request,
        "certificates/admin/policy_versions.html",
        {"versions": versions, "current": services.acknowledgement_text()},
    )


@require_http_methods(["GET", "POST"])
def policy_version_publish(request, pk: int):
    """GET: the preview (who must acknowledge again, which sections changed). POST: publish."""
    from training.models import PolicyVersion

    _require_publisher(request)
    version = get_object_or_404(PolicyVersion, pk=pk)
    if request.method == "POST":
        try:
            asked = services.policy_version_publish(version_id=version.pk, user=request.user)
        except services.CompletionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                gettext("Version %(number)s is published.") % {"number": version.number}
                + " "
                + (
                    gettext(
                        "%(asked)s people who signed an earlier version are asked to "
                        "acknowledge it."
                    )
                    % {"asked": asked}
                    if version.material
                    else gettext("A minor change: nobody is asked to sign again.")
                ),
            )
        return redirect("policy_versions")
    preview = services.policy_version_publish_preview(version=version)
    return TemplateResponse(
        request, "certificates/admin/policy_version_publish.html", {"preview": preview}
    )
