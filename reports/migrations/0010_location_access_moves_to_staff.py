"""Who administers which location moves beside the staff it scopes (staff.LocationAccess): its
table is renamed, its content type (so its permissions, group grants and audit entries) goes
with it, and the two permissions of reading reports stay in reports, on ReportsAccess."""

from django.db import migrations

REPORT_PERMISSIONS = ["view_completion_reports", "view_all_locations"]


def move(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    old = ContentType.objects.filter(app_label="reports", model="locationaccess").first()
    reports_access, _ = ContentType.objects.get_or_create(
        app_label="reports", model="reportsaccess"
    )
    if old is None:
        return  # a fresh database: the permissions are created after migrating
    Permission.objects.filter(content_type=old, codename__in=REPORT_PERMISSIONS).update(
        content_type=reports_access
    )
    if not ContentType.objects.filter(app_label="staff", model="locationaccess").exists():
        old.app_label = "staff"
        old.save(update_fields=["app_label"])


def move_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    moved = ContentType.objects.filter(app_label="staff", model="locationaccess").first()
    if moved is None:
        return
    moved.app_label = "reports"
    moved.save(update_fields=["app_label"])
    Permission.objects.filter(
        content_type__app_label="reports",
        content_type__model="reportsaccess",
        codename__in=REPORT_PERMISSIONS,
    ).update(content_type=moved)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("reports", "0009_assignment_rule_permissions"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportsAccess",
            fields=[],
            options={
                "managed": False,
                "default_permissions": (),
                "permissions": [
                    ("view_completion_reports", "Can view completion reports"),
                    ("view_all_locations", "Can view every location's staff in reports"),
                ],
            },
        ),
        migrations.AlterModelOptions(
            name="locationaccess",
            options={
                "verbose_name": "location administrator",
                "verbose_name_plural": "location administrators",
            },
        ),
        migrations.AlterModelTable(name="locationaccess", table="staff_locationaccess"),
        migrations.RunPython(move, move_back),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="LocationAccess")],
            database_operations=[],
        ),
    ]
