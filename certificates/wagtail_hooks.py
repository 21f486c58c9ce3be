from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import admin_views
from .models import Certificate


class ViewOnlyPolicy(ModelPermissionPolicy):
    """Certificates are issued by completing the training and only ever revoked (its own
    view, with a reason): the admin may list, inspect and download them, never add, edit or
    delete one."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class CertificateViewSet(SnippetViewSet):
    model = Certificate
    icon = "success"
    menu_label = _("Certificates")
    menu_order = 220
    add_to_admin_menu = True
    list_display = [
        "holder_name",
        "employee_id",
        "location_name",
        "cycle_name",
        "completed_on",
        "code",
        "revoked_at",
    ]
    list_filter = ["cycle_name", "location_name"]
    search_fields = ["holder_name", "employee_id", "code"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "holder_name",
        "employee_id",
        "location_name",
        "course_title",
        "cycle_name",
        "completed_on",
        "expires_on",
        "code",
        "issued_at",
        "revoked_at",
        "revoked_reason",
    ]
    list_per_page = 50
    copy_view_enabled = False

    def get_queryset(self, request):
        return Certificate.objects.all()


register_permission_policy(Certificate, ViewOnlyPolicy(Certificate))
register_snippet(CertificateViewSet)


@hooks.register("register_admin_urls")
def certificate_admin_urls():
    return [
        path(
            "certificates/<int:pk>/revoke/",
            admin_views.certificate_revoke,
            name="certificate_revoke",
        ),
        path("certificates/zip/", admin_views.certificates_zip, name="certificates_zip"),
    ]


@hooks.register("register_admin_menu_item")
def certificates_zip_menu_item():
    return MenuItem(
        _("Certificate ZIP"), reverse("certificates_zip"), icon_name="download", order=221
    )


@hooks.register("register_snippet_listing_buttons")
def certificate_buttons(snippet, user, next_url=None):
    from wagtail.admin.widgets import ListingButton

    if isinstance(snippet, Certificate):
        yield ListingButton(
            _("Download PDF"),
            reverse("certificates:download", args=[snippet.code]),
            priority=10,
        )
        if snippet.revoked_at is None and user.has_perm("certificates.change_certificate"):
            yield ListingButton(
                _("Revoke"), reverse("certificate_revoke", args=[snippet.pk]), priority=20
            )
