from wagtail.admin.menu import MenuItem
from wagtail.permission_policies import ModelPermissionPolicy


def can_use_admin(user) -> bool:
    """Whether the person has any work in the Wagtail admin (every administrator group and the
    editors do; learners do not)."""
    return user.is_active and user.has_perm("wagtailadmin.access_admin")


ADMIN_LINK_KEY = "admin_link"


def admin_link_shown(request) -> bool:
    """Whether learner pages show this person the "Administration" link. Decided once per
    session and kept in it: asking for permissions on every page would cost each lesson page
    two queries. (The admin itself checks permissions on every request.)"""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    shown = request.session.get(ADMIN_LINK_KEY)
    if shown is None:
        shown = request.session[ADMIN_LINK_KEY] = can_use_admin(user)
    return shown


class ViewOnlyPolicy(ModelPermissionPolicy):
    """For records the product writes itself (certificates, the e-mail outbox): the admin may
    list and inspect them, never add, edit or delete one."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class PermissionMenuItem(MenuItem):
    """A menu item shown only to people who hold `permission`: the menu lists what a person
    may use, nothing that would then refuse them."""

    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)
