"""Who may change an assignment, and how. An assignment is made by opening a cycle or importing
the roster, completed by signing the acknowledgement, and adjusted only by an extension or an
exemption recorded with a reason (services.assignment_extend / assignment_exempt, for holders
of staff.change_assignment). Wagtail's generic edit form would let anyone with that permission
overwrite a due date or a completion without a trace, so the admin's assignment screens are
read-only for everybody, superusers included."""

from django.contrib.auth import get_user_model
from wagtail.permission_policies import ModelPermissionPolicy

READ_ONLY_ACTIONS = {"add", "change", "delete"}


class AssignmentPermissionPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        if action in READ_ONLY_ACTIONS:
            return False
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        allowed = set(actions) - READ_ONLY_ACTIONS
        if not allowed:
            return get_user_model().objects.none()
        return super().users_with_any_permission(allowed)
