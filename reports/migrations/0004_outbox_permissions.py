"""District administrators may read the e-mail outbox and send failed e-mails again."""

from django.db import migrations


def add_permissions(apps, schema_editor):
    from staff.groups import admin_groups_ensure

    admin_groups_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_digestlog_reminderlog"),
        ("jobs", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_permissions, migrations.RunPython.noop)]
