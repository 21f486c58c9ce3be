"""Who sent a reminder from the staff report, and the permission to extend a due date or exempt
someone from a cycle (staff.change_assignment) for HR and district administrators."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def add_permissions(apps, schema_editor):
    from staff.groups import admin_groups_ensure

    admin_groups_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_hr_administrators_and_editors"),
        ("staff", "0004_search_text_and_assignment_adjustments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="reminderlog",
            name="sent_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="sent by",
            ),
        ),
        migrations.RunPython(add_permissions, migrations.RunPython.noop),
    ]
