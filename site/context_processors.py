from django.conf import settings


def district(request):
    """Every page names the district whose policies it teaches."""
    return {"DISTRICT_NAME": settings.DISTRICT_NAME}
