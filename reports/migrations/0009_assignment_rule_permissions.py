"""District and HR administrators edit the assignment rules (who takes which course)."""

from django.db import migrations


def add_permissions(apps, schema_editor):
    from staff.groups import admin_groups_ensure

    admin_groups_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0008_policy_version_permissions"),
        ("staff", "0006_assignment_per_course"),
    ]

    operations = [migrations.RunPython(add_permissions, migrations.RunPython.noop)]
