"""The two administrator groups of the product, with the permissions they need."""

from django.db import migrations

DISTRICT = "District administrators"
LOCATION = "Location administrators"


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(*codenames):
        found = []
        for full in codenames:
            app_label, codename = full.split(".")
            found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return found

    district, _ = Group.objects.get_or_create(name=DISTRICT)
    district.permissions.add(
        *perms(
            "wagtailadmin.access_admin",
            "reports.view_completion_reports",
            "reports.view_all_locations",
            "certificates.view_certificate",
            "certificates.change_certificate",
            "staff.view_staff",
            "staff.add_staff",
            "staff.change_staff",
        )
    )
    location, _ = Group.objects.get_or_create(name=LOCATION)
    location.permissions.add(
        *perms("wagtailadmin.access_admin", "reports.view_completion_reports")
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[DISTRICT, LOCATION]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("certificates", "0001_initial"),
        ("staff", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
