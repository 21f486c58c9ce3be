from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("complete/", views.completion, name="completion"),
    path("verify/", views.verify, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("<str:code>/", views.certificate_detail, name="detail"),
    path("<str:code>/download/", views.certificate_download, name="download"),
]
