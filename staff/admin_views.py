"""Roster upload in the Wagtail admin: upload, preview what will change, then apply."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .models import RosterImport
from .roster import RosterFileError, roster_plan
from .services import RosterInvalid, roster_apply

MAX_ROSTER_BYTES = 20 * 1024 * 1024
ROSTER_PERMISSION = "staff.add_staff"


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="Roster CSV file",
        help_text="Columns: employee_id, first_name, last_name, email, location, job_title, "
        "hire_date, active (any order; comma or semicolon separated; UTF-8).",
    )
    deactivate_missing = forms.BooleanField(
        required=False, label="Mark staff who are not in the file inactive"
    )
    skip_invalid = forms.BooleanField(
        required=False, label="Import the valid rows even if some rows are rejected"
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_ROSTER_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB: is it the right file?")
        data = upload.read()
        try:
            roster_plan(data)  # checks the file as a whole; rows are previewed next
        except RosterFileError as exc:
            raise forms.ValidationError(str(exc)) from exc
        self.cleaned_data["data"] = data
        return upload


def _require_permission(request):
    if not request.user.has_perm(ROSTER_PERMISSION):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def roster_upload(request):
    _require_permission(request)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = RosterImport.objects.create(
            filename=form.cleaned_data["file"].name,
            content=form.cleaned_data["data"].decode("utf-8-sig"),
            uploaded_by=request.user,
            deactivate_missing=form.cleaned_data["deactivate_missing"],
            skip_invalid=form.cleaned_data["skip_invalid"],
        )
        return redirect("roster_preview", pk=upload.pk)
    recent = RosterImport.objects.select_related("uploaded_by")[:10]
    return TemplateResponse(
        request, "staff/admin/roster_upload.html", {"form": form, "recent": recent}
    )


@require_http_methods(["GET", "POST"])
def roster_preview(request, pk: int):
    _require_permission(request)
    upload = get_object_or_404(RosterImport, pk=pk)
    plan = roster_plan(upload.content.encode("utf-8"), deactivate_missing=upload.deactivate_missing)
    if request.method == "POST" and upload.applied_at is None:
        try:
            with transaction.atomic():
                locked = RosterImport.objects.select_for_update().get(pk=pk)
                if locked.applied_at is None:
                    summary = roster_apply(plan=plan, skip_invalid=upload.skip_invalid)
                    locked.applied_at = timezone.now()
                    locked.summary = summary
                    locked.save(update_fields=["applied_at", "summary"])
        except RosterInvalid:
            messages.error(
                request,
                "Rows were rejected, so nothing was imported. Fix the file and upload it again, "
                "or upload it with 'Import the valid rows' ticked.",
            )
            return redirect("roster_preview", pk=pk)
        messages.success(request, "Roster imported.")
        return redirect("roster_preview", pk=pk)
    return TemplateResponse(
        request,
        "staff/admin/roster_preview.html",
        {"upload": upload, "plan": plan, "summary": plan.summary(), "limit": 200},
    )
