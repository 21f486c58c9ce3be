from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from eupsite.audit import audit_actions_register
from eupsite.permissions import PermissionMenuItem, ViewOnlyPolicy
from training.models import COURSE_PAGE_CONTEXT_HOOK
from training.services import POLICY_SIGNATURES_HOOK

from . import admin_views
from .models import Certificate
from .services import PUBLISH_ACTION, REVOKE_ACTION


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
        "unprintable_characters",
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
        "unprintable_characters",
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
        path("policy-versions/", admin_views.policy_versions, name="policy_versions"),
        path(
            "policy-versions/<int:pk>/publish/",
            admin_views.policy_version_publish,
            name="policy_version_publish",
        ),
    ]


@hooks.register("register_admin_menu_item")
def policy_versions_menu_item():
    return PermissionMenuItem(
        _("Policy versions"),
        reverse("policy_versions"),
        icon_name="doc-full",
        order=650,
        permission=admin_views.PUBLISH_PERMISSION,
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


class UnprintableNamesPanel(Component):
    """Certificates whose holder's name (or location, course, signature) has a character the
    certificate font lacks: printed as a box, so somebody must look rather than let it pass."""

    name = "unprintable_certificates"
    order = 45
    template_name = "certificates/admin/unprintable_panel.html"

    def __init__(self, certificates):
        self.certificates = certificates

    def get_context_data(self, parent_context=None):
        return {"certificates": self.certificates}


@hooks.register("construct_homepage_panels")
def add_unprintable_names_panel(request, panels):
    if not request.user.has_perm("certificates.view_certificate"):
        return
    certificates = list(
        Certificate.objects.exclude(unprintable_characters="").order_by("-issued_at")[:20]
    )
    if certificates:
        panels.insert(0, UnprintableNamesPanel(certificates))


@hooks.register("register_log_actions")
def certificate_audit_actions(actions):
    audit_actions_register(
        actions,
        {
            REVOKE_ACTION: (_("Revoke certificate"), _("Certificate revoked")),
            PUBLISH_ACTION: (
                _("Publish policy version"),
                _("Policy version published"),
            ),
        },
    )


@hooks.register(POLICY_SIGNATURES_HOOK)
def policy_signatures():
    from .services import PolicySignatures

    return PolicySignatures


@hooks.register(COURSE_PAGE_CONTEXT_HOOK)
def course_page_certificates(*, course, request, context):
    """The learner's certificates of this course, on its page."""
    if request.user.is_authenticated:
        from .selectors import certificates_for_user

        context["certificates"] = certificates_for_user(user=request.user, course_id=course.pk)
