from django.db import models
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.fields import register_display_class

from . import second_factor, second_factor_admin
from .audit import audit_actions_register
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


@hooks.register("register_admin_urls")
def second_factor_urls():
    return [
        path(
            "second-factor/", second_factor_admin.second_factor_people, name="second_factor_people"
        ),
        path(
            "second-factor/<int:user_id>/reset/",
            second_factor_admin.second_factor_reset,
            name="second_factor_reset",
        ),
    ]


class SecondFactorMenuItem(MenuItem):
    """Shown to district administrators, as decided at sign-in (SECOND_FACTOR_MENU_KEY)."""

    def is_shown(self, request):
        shown = request.session.get(second_factor.SECOND_FACTOR_MENU_KEY)
        if shown is None:
            shown = second_factor.may_reset_second_factors(user=request.user)
            request.session[second_factor.SECOND_FACTOR_MENU_KEY] = shown
        return shown


@hooks.register("register_settings_menu_item")
def second_factor_menu_item():
    return SecondFactorMenuItem(
        _("Two-step sign-in"), reverse("second_factor_people"), icon_name="key", order=900
    )


@hooks.register("register_account_menu_item")
def recovery_codes_account_item(request):
    # On the admin's account page: every administrator's own recovery codes.
    return {
        "url": reverse("recovery_codes"),
        "label": _("Recovery codes"),
        "help_text": _("See how many one-time recovery codes you have left, or make new ones."),
    }


@hooks.register("register_log_actions")
def second_factor_audit_actions(actions):
    audit_actions_register(
        actions,
        {
            second_factor.RESET_ACTION: (
                _("Reset two-step sign-in"),
                _("Reset the second step of sign-in (authenticator app and recovery codes)"),
            )
        },
    )
