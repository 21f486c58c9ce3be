"""District and HR administrators may read the audit trail of every kind of record it holds."""

from django.db import migrations


def add_permissions(apps, schema_editor):
    from staff.groups import admin_groups_ensure

    admin_groups_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_reminder_sender_and_extension_permissions"),
        ("staff", "0004_search_text_and_assignment_adjustments"),
        ("jobs", "0003_unguessable_storage_names"),
    ]

    operations = [migrations.RunPython(add_permissions, migrations.RunPython.noop)]
