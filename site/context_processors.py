from django.conf import settings

from eupsite.permissions import admin_link_shown


def district(request):
    """Every page names the district whose policies it teaches, and shows administrators the
    way to the admin."""
    return {"DISTRICT_NAME": settings.DISTRICT_NAME, "show_admin_link": admin_link_shown(request)}
