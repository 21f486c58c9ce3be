"""Roster upload in the Wagtail admin: upload, preview what will change, apply, read what
was done, and invite the people it created."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from eupsite.parsing import number_from_request

from .models import RosterImport
from .oneroster import is_zip, roster_upload_plan
from .roster import RosterFileError
from .selectors import roster_import_new_staff, roster_import_result
from .services import (
    RosterAppliedMeanwhile,
    RosterDeactivationUnconfirmed,
    RosterInvalid,
    invitations_send,
    roster_import_apply,
)

MAX_ROSTER_BYTES = 20 * 1024 * 1024
ROSTER_PERMISSION = "staff.add_staff"
# Who may send invitations: the same permission as the "Send invitation" bulk action.
INVITE_PERMISSION = "staff.change_staff"
ROWS_SHOWN = 200
REJECTED_NOTHING_IMPORTED = _(
    "Rows were rejected, so nothing was imported. Fix the file and upload it again, "
    "or upload it with 'Import the valid rows' ticked."
)


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file: HR's CSV or a OneRoster 1.2 zip"),
        help_text=_(
            "HR's CSV has the columns employee_id, first_name, last_name, email, location, "
            "job_title, hire_date, active (any order; comma or semicolon separated; UTF-8), "
            "and may have language (en or es: the language of the person's e-mails and "
            "pages until they choose their own). "
            "A OneRoster 1.2 zip, as your student information system exports it, holds "
            "manifest.csv, users.csv, orgs.csv and roles.csv; its students are ignored."
        ),
    )
    deactivate_missing = forms.BooleanField(
        required=False, label=_("Mark staff who are not in the file inactive")
    )
    skip_invalid = forms.BooleanField(
        required=False, label=_("Import the valid rows even if some rows are rejected")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_ROSTER_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB: is it the right file?"))
        self.cleaned_data["data"] = upload.read()
        return upload

    def clean(self):
        cleaned = super().clean()
        if "data" in cleaned:
            try:
                # The file as a whole (and a OneRoster delta against marking missing staff
                # inactive); its rows are previewed next.
                roster_upload_plan(
                    cleaned["data"], deactivate_missing=cleaned.get("deactivate_missing", False)
                )
            except RosterFileError as exc:
                self.add_error("file", str(exc))
        return cleaned


def _require_permission(request):
    if not request.user.has_perm(ROSTER_PERMISSION):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def roster_upload(request):
    _require_permission(request)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["data"]
        upload = RosterImport.objects.create(
            filename=form.cleaned_data["file"].name,
            content="" if is_zip(data) else data.decode("utf-8-sig"),
            bundle=data if is_zip(data) else b"",
            uploaded_by=request.user,
            deactivate_missing=form.cleaned_data["deactivate_missing"],
            skip_invalid=form.cleaned_data["skip_invalid"],
        )
        return redirect("roster_preview", pk=upload.pk)
    recent = RosterImport.objects.select_related("uploaded_by").defer("content", "bundle")[:10]
    return TemplateResponse(
        request, "staff/admin/roster_upload.html", {"form": form, "recent": recent}
    )


@require_http_methods(["GET", "POST"])
def roster_preview(request, pk: int):
    """The preview of an upload (what applying it would change), and once applied, what it
    did: from the record written when it was applied, never a new plan."""
    _require_permission(request)
    upload = get_object_or_404(RosterImport.objects.select_related("applied_by"), pk=pk)
    if request.method == "POST":
        try:
            upload, applied_now = roster_import_apply(
                roster_import_id=pk,
                by=request.user,
                confirmed_deactivations=number_from_request(
                    request.POST.get("confirm_deactivations", "").strip()
                ),
            )
        except RosterInvalid:
            messages.error(request, REJECTED_NOTHING_IMPORTED)
            return redirect("roster_preview", pk=pk)
        except RosterDeactivationUnconfirmed as exc:
            messages.error(
                request,
                _(
                    "Nothing was imported: this would mark %(count)d of %(active)d active staff "
                    "inactive. If that is right, type %(count)d in the box and apply again."
                )
                % {"count": len(exc.plan.deactivated), "active": exc.plan.active_count},
            )
            return redirect("roster_preview", pk=pk)
        except RosterAppliedMeanwhile as exc:
            messages.error(request, str(exc))
            return redirect("roster_preview", pk=pk)
        if applied_now:
            messages.success(request, _("Roster imported."))
        return redirect("roster_preview", pk=pk)
    if upload.applied_at is not None:
        return TemplateResponse(
            request,
            "staff/admin/roster_result.html",
            {
                "upload": upload,
                "result": roster_import_result(roster_import=upload, limit=ROWS_SHOWN),
                "limit": ROWS_SHOWN,
                "may_invite": request.user.has_perm(INVITE_PERMISSION),
            },
        )
    plan = roster_upload_plan(upload.data, deactivate_missing=upload.deactivate_missing)
    return TemplateResponse(
        request,
        "staff/admin/roster_preview.html",
        {"upload": upload, "plan": plan, "summary": plan.summary(), "limit": ROWS_SHOWN},
    )


@require_http_methods(["GET", "POST"])
def roster_invite(request, pk: int):
    """'Invite these N new people': invitations for those the import created, then who was
    invited and who was not, and why. Sending twice invites nobody twice. Opening the address
    again (a reload, a bookmark) leads back to the import, where the button is."""
    if not request.user.has_perm(INVITE_PERMISSION):
        raise PermissionDenied
    upload = get_object_or_404(RosterImport, pk=pk, applied_at__isnull=False)
    if request.method == "GET":
        return redirect("roster_preview", pk=pk)
    result = invitations_send(
        staff=list(roster_import_new_staff(roster_import=upload)),
        base_url=request.build_absolute_uri("/"),
        invited_by=request.user,
    )
    return TemplateResponse(
        request,
        "staff/admin/invitation_result.html",
        {
            "result": result,
            "upload": upload,
            "back_url": reverse("roster_preview", args=[upload.pk]),
        },
    )
