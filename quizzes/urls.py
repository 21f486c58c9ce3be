from django.urls import path

from . import views

app_name = "quizzes"

urlpatterns = [
    path("section/<int:section_id>/", views.quiz_take, name="take"),
    path("attempt/<int:attempt_id>/submit/", views.attempt_submit, name="submit"),
    path("attempt/<int:attempt_id>/", views.attempt_result, name="result"),
    path("attempt/<int:attempt_id>/resume/", views.attempt_resume, name="take_attempt"),
]
