"""The site's URLs, and before them the benchmark's references."""

from django.http import HttpResponse
from django.urls import path
from django.views.generic import TemplateView

from eupsite.urls import urlpatterns as site_urlpatterns


def bare(request):
    return HttpResponse("ok")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/base/", TemplateView.as_view(template_name="base.html")),
    *site_urlpatterns,
]
