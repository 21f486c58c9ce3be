from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem


@hooks.register("register_admin_menu_item")
def own_training_menu_item():
    # Administrators are staff too: their own training is one click from the admin.
    return MenuItem(_("Your training"), "/", icon_name="user", order=10_000)


@hooks.register("construct_main_menu")
def hide_wagtail_help_menu(request, menu_items):
    # Its links lead to wagtail.org (release notes, the CMS's editor guide): nothing a district's
    # staff need, and they leave the site.
    menu_items[:] = [item for item in menu_items if item.name != "help"]
