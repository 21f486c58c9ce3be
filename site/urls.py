from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from eupsite.tokens import account_token_generator
from eupsite.views import SiteLoginView, SitePasswordResetView, course_image
from staff.views import (
    InvitationAcceptView,
    InvitationDoneView,
    sign_in_code,
    sign_in_code_password,
)

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path(
        "accounts/login/",
        SiteLoginView.as_view(),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        SitePasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(token_generator=account_token_generator),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/invitation/<uidb64>/<token>/",
        InvitationAcceptView.as_view(),
        name="invitation",
    ),
    path("accounts/invitation/done/", InvitationDoneView.as_view(), name="invitation_done"),
    path("accounts/sign-in-code/", sign_in_code, name="sign_in_code"),
    path("accounts/sign-in-code/password/", sign_in_code_password, name="sign_in_code_password"),
    path("policies/", include("training.urls")),
    path("quiz/", include("quizzes.urls")),
    path("certificates/", include("certificates.urls")),
]

# Stored files (certificate PDFs, prepared ZIPs) are never served as a folder, in any settings:
# only through the views that check who is asking. Course images (Wagtail renditions) are
# course content, shown to signed-in people.
urlpatterns += [path("media/images/<path:name>", course_image, name="course_image")]

# Wagtail's page serving comes last: it answers every path the patterns above do not.
urlpatterns += [path("", include(wagtail_urls))]
