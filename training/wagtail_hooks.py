from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from eupsite.permissions import PermissionMenuItem

from . import admin_views
from .models import SourceDocument


class SourceDocumentViewSet(SnippetViewSet):
    model = SourceDocument
    icon = "doc-full"
    menu_label = _("Source documents")
    add_to_admin_menu = False
    list_display = ["title", "filename"]
    search_fields = ["title", "filename"]


register_snippet(SourceDocumentViewSet)


@hooks.register("register_admin_urls")
def translation_admin_urls():
    return [
        path("translations/", admin_views.translations, name="translations"),
        path(
            "translations/<int:pk>/review/",
            admin_views.translation_review,
            name="translation_review",
        ),
    ]


@hooks.register("register_admin_menu_item")
def translations_menu_item():
    return PermissionMenuItem(
        _("Translations"),
        reverse("translations"),
        icon_name="globe",
        order=660,
        permission=admin_views.REVIEW_PERMISSION,
    )
