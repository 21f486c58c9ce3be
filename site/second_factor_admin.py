"""The admin's second-factor page: a district administrator sees who has set up an
authenticator and resets the second factor of someone who lost their phone (audited)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from eupsite import second_factor as sf
from eupsite.sso_policy import sso_provider_names


@require_http_methods(["GET"])
def second_factor_people(request):
    if not sf.may_reset_second_factors(user=request.user):
        raise PermissionDenied
    return TemplateResponse(
        request,
        "second_factor/admin/people.html",
        {
            "people": sf.people_with_admin_access(),
            "sso_stands_in": bool(sso_provider_names()) and settings.SSO_COUNTS_AS_SECOND_FACTOR,
        },
    )


@require_POST
def second_factor_reset(request, user_id: int):
    if not sf.may_reset_second_factors(user=request.user):
        raise PermissionDenied
    person = get_object_or_404(get_user_model(), pk=user_id)
    if person.pk == request.user.pk:
        messages.error(
            request,
            _("You cannot reset your own second step here: ask another district administrator."),
        )
        return redirect("second_factor_people")
    sf.second_factor_reset(user=person, by=request.user)
    messages.success(
        request,
        _(
            "The second step of %(name)s is reset: at their next sign-in, after the password, "
            "they set up a new authenticator app."
        )
        % {"name": person.get_full_name() or person.get_username()},
    )
    return redirect("second_factor_people")
