from django.db import models
from django.templatetags.static import static
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.fields import register_display_class

from .district_time import datetime_text


class DistrictDateTimeDisplay(Component):
    """A date and time field on an admin detail (inspect) page, in the district's time zone.
    Wagtail's own display turns the value into text before templates convert it to local time,
    so the outbox listed an e-mail at 12:13 a.m. and its detail page said 5:13 a.m. (UTC)."""

    def __init__(self, value):
        self.value = value

    def render_html(self, parent_context=None):
        return conditional_escape(datetime_text(self.value) if self.value else "–")


register_display_class(models.DateTimeField, display_class=DistrictDateTimeDisplay)


@hooks.register("register_admin_menu_item")
def own_training_menu_item():
    # Administrators are staff too: their own training is one click from the admin.
    return MenuItem(_("Your training"), "/", icon_name="user", order=10_000)


@hooks.register("construct_main_menu")
def hide_wagtail_help_menu(request, menu_items):
    # Its links lead to wagtail.org (release notes, the CMS's editor guide): nothing a district's
    # staff need, and they leave the site.
    menu_items[:] = [item for item in menu_items if item.name != "help"]


@hooks.register("insert_global_admin_css")
def admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("css/admin.css"))
