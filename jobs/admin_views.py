"""Files prepared in the background, as the Wagtail admin shows them: ask for one, see how it
is going, download it. Each person sees and downloads only the files they asked for."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from eupsite.audit import audit

from . import selectors, services
from .models import PreparedFile

Kind = PreparedFile.Kind
# The audit trail's name for downloading a prepared file (registered in wagtail_hooks).
DOWNLOAD_ACTION = "eup.file.download"


def request_forms_for(user) -> dict:
    return services.file_request_forms(user=user)


@require_http_methods(["GET", "POST"])
def prepared_files(request):
    allowed = request_forms_for(request.user)
    if not allowed:
        raise PermissionDenied
    kind = request.POST.get("kind") if request.method == "POST" else None
    if kind is not None and kind not in allowed:
        raise PermissionDenied
    bound = {
        k: form_class(request.POST if k == kind else None, prefix=k)
        for k, form_class in allowed.items()
    }
    if kind is not None and bound[kind].is_valid():
        prepared = services.file_request(kind=kind, user=request.user, **bound[kind].cleaned_data)
        messages.success(
            request,
            gettext(
                "Preparing %(filename)s. It appears below when ready, and you will get an e-mail."
            )
            % {"filename": prepared.filename},
        )
        return redirect("jobs_prepared_files")
    return TemplateResponse(
        request,
        "jobs/admin/prepared_files.html",
        {
            "forms": [(k, Kind(k).label, form) for k, form in bound.items()],
            "files": selectors.prepared_files_for(user=request.user),
        },
    )


@require_GET
def prepared_file_download(request, pk: int):
    prepared = get_object_or_404(
        PreparedFile, pk=pk, requested_by=request.user, status=PreparedFile.Status.READY
    )
    try:
        handle = prepared.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is no longer stored; ask for it again.") from exc
    audit(
        instance=prepared,
        action=DOWNLOAD_ACTION,
        user=request.user,
        file=prepared.filename,
        items=prepared.item_count,
    )
    return FileResponse(handle, as_attachment=True, filename=prepared.filename)
