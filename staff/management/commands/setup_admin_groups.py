from django.apps import apps
from django.core.management.base import BaseCommand

from staff.groups import (
    GROUP_PERMISSIONS,
    admin_groups_ensure,
    page_and_collection_permissions_ensure,
)


class Command(BaseCommand):
    help = "Create (or repair) the administrator groups (district, HR, location). Idempotent."

    def handle(self, *args, **options):
        admin_groups_ensure(apps)
        page_and_collection_permissions_ensure(apps)
        self.stdout.write(self.style.SUCCESS(f"Groups ready: {', '.join(GROUP_PERMISSIONS)}."))
