from django.conf import settings

from eupsite.permissions import can_use_admin


def district(request):
    """Every page names the district whose policies it teaches, and shows administrators the
    way to the admin."""
    user = getattr(request, "user", None)
    return {
        "DISTRICT_NAME": settings.DISTRICT_NAME,
        "show_admin_link": bool(user and user.is_authenticated and can_use_admin(user)),
    }
