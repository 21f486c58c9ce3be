"""The two administrator groups of the product, with the permissions they need."""

from django.db import migrations


def create_groups(apps, schema_editor):
    from staff.groups import admin_groups_ensure

    admin_groups_ensure(apps)


def remove_groups(apps, schema_editor):
    from staff.groups import DISTRICT, LOCATION

    apps.get_model("auth", "Group").objects.filter(name__in=[DISTRICT, LOCATION]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("certificates", "0001_initial"),
        ("staff", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
