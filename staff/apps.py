from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = "Staff and assignments"

    def ready(self):
        # Registered before the admin builds its assignment screens (see staff/permissions.py).
        from wagtail.permissions import register_permission_policy

        from .models import Assignment
        from .permissions import AssignmentPermissionPolicy

        register_permission_policy(Assignment, AssignmentPermissionPolicy(Assignment))
