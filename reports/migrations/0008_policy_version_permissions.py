"""District administrators publish new versions of the acknowledgement."""

from django.db import migrations


def add_permissions(apps, schema_editor):
    from staff.groups import admin_groups_ensure

    admin_groups_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0007_audit_trail_permissions"),
        ("training", "0005_policy_version_publishing"),
    ]

    operations = [migrations.RunPython(add_permissions, migrations.RunPython.noop)]
