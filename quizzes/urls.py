from django.urls import path

from . import views

app_name = "quizzes"

urlpatterns = [
    path("section/<int:section_id>/", views.quiz_take, name="take"),
    path("attempt/<int:attempt_id>/submit/", views.attempt_submit, name="submit"),
    path("attempt/<int:attempt_id>/", views.attempt_result, name="result"),
    path("attempt/<int:attempt_id>/resume/", views.attempt_resume, name="take_attempt"),
    path("test-out/", views.test_out_start, name="test_out"),
    path("test-out/answer/", views.test_out_take, name="test_out_take"),
    path("test-out/submit/", views.test_out_submit, name="test_out_submit"),
    path("test-out/result/", views.test_out_result, name="test_out_result"),
]
