from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = "Staff and assignments"

    def ready(self):
        # An assignment is made by opening a cycle or importing the roster, completed by
        # signing, and changed only by an extension or exemption recorded with a reason
        # (services.assignment_extend / assignment_exempt, for holders of
        # staff.change_assignment). Wagtail's generic edit form would let that permission
        # overwrite a due date or a completion without a trace, so the admin's assignment
        # screens are view-only for everybody. Registered before the admin builds them.
        from wagtail.permissions import register_permission_policy

        from eupsite.permissions import ViewOnlyPolicy

        from .models import Assignment

        register_permission_policy(Assignment, ViewOnlyPolicy(Assignment))
