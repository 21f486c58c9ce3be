from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from eupsite import second_factor_views
from eupsite.language import language_switch
from eupsite.tokens import account_token_generator
from eupsite.views import (
    SiteLoginView,
    SitePasswordResetConfirmView,
    SitePasswordResetView,
    course_image,
    sso_callback,
    sso_login,
)
from staff.views import (
    InvitationAcceptView,
    InvitationDoneView,
    sign_in_code,
    sign_in_code_password,
)

urlpatterns = [
    # Wagtail's own sign-in form would be a way around the second factor: one sign-in page.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="login", query_string=True),
        name="admin_login_redirect",
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path(
        "accounts/login/",
        SiteLoginView.as_view(),
        name="login",
    ),
    # Single sign-on (eupsite.sso): the OpenID Connect start and callback views only, under
    # the names allauth reverses. allauth's own account pages (sign-up, passwords, e-mail) are
    # deliberately not routed.
    path("accounts/sso/<str:provider_id>/login/", sso_login, name="openid_connect_login"),
    path(
        "accounts/sso/<str:provider_id>/login/callback/",
        sso_callback,
        name="openid_connect_callback",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", language_switch, name="language_switch"),
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
        SitePasswordResetConfirmView.as_view(token_generator=account_token_generator),
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
    path("accounts/second-factor/", second_factor_views.second_factor_verify, name="second_factor"),
    path(
        "accounts/second-factor/set-up/",
        second_factor_views.second_factor_enrol,
        name="second_factor_enrol",
    ),
    path(
        "accounts/second-factor/recovery-codes/",
        second_factor_views.recovery_codes,
        name="recovery_codes",
    ),
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
