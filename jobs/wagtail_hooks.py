from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.permissions import register_permission_policy
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from eupsite.audit import audit_actions_register
from eupsite.permissions import ViewOnlyPolicy

from . import admin_views, selectors, services
from .models import OutgoingEmail


class OutgoingEmailViewSet(SnippetViewSet):
    model = OutgoingEmail
    icon = "mail"
    menu_label = _("E-mail outbox")
    menu_order = 230
    add_to_admin_menu = True
    list_display = ["created_at", "kind", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject"]
    inspect_view_enabled = True
    # Never the body: invitations and password resets carry one-time sign-in links.
    inspect_view_fields = [
        "kind",
        "to",
        "subject",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "last_attempt_at",
        "sent_at",
    ]
    list_per_page = 50
    copy_view_enabled = False


register_permission_policy(OutgoingEmail, ViewOnlyPolicy(OutgoingEmail))
register_snippet(OutgoingEmailViewSet)


@hooks.register("register_bulk_action")
class SendAgainBulkAction(SnippetBulkAction):
    display_name = _("Send again")
    aria_label = _("Send the selected failed or uncertain e-mails again")
    action_type = "send_again"
    template_name = "jobs/admin/confirm_bulk_send_again.html"
    action_priority = 10
    models = [OutgoingEmail]

    def check_perm(self, snippet):
        return self.request.user.has_perm("jobs.change_outgoingemail")

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        queued = sum(services.email_send_again(email=email) for email in objects)
        return queued, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d e-mail queued to be sent again (only failed or uncertain ones are).",
            "%(count)d e-mails queued to be sent again (only failed or uncertain ones are).",
            num_parent_objects,
        ) % {"count": num_parent_objects}


@hooks.register("register_admin_urls")
def prepared_file_urls():
    return [
        path("downloads/", admin_views.prepared_files, name="jobs_prepared_files"),
        path(
            "downloads/<int:pk>/",
            admin_views.prepared_file_download,
            name="jobs_prepared_file_download",
        ),
    ]


class DownloadsMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(admin_views.request_forms_for(request.user))


@hooks.register("register_admin_menu_item")
def downloads_menu_item():
    return DownloadsMenuItem(
        _("Downloads"), reverse("jobs_prepared_files"), icon_name="download", order=221
    )


class OutboxPanel(Component):
    name = "outbox_problems"
    order = 40
    template_name = "jobs/admin/outbox_panel.html"

    def __init__(self, problems):
        self.problems = problems

    def get_context_data(self, parent_context=None):
        return {"problems": self.problems}


@hooks.register("construct_homepage_panels")
def add_outbox_panel(request, panels):
    if not request.user.has_perm("jobs.view_outgoingemail"):
        return
    problems = selectors.outbox_problems()
    if any(problems.values()):
        panels.insert(0, OutboxPanel(problems))


@hooks.register("register_log_actions")
def download_audit_actions(actions):
    audit_actions_register(
        actions,
        {
            admin_views.DOWNLOAD_ACTION: (
                _("Download records"),
                _("Downloaded (certificate ZIP or records archive)"),
            )
        },
    )
