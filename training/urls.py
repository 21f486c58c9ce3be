from django.urls import path

from . import views

app_name = "policies"

urlpatterns = [
    path("", views.policy_index, name="index"),
    path("<slug:slug>/", views.policy_document, name="document"),
]
