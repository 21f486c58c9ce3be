from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import SourceDocument


class SourceDocumentViewSet(SnippetViewSet):
    model = SourceDocument
    icon = "doc-full"
    menu_label = _("Source documents")
    add_to_admin_menu = False
    list_display = ["title", "filename"]
    search_fields = ["title", "filename"]


register_snippet(SourceDocumentViewSet)
