"""District administrators mark a version of a course's translation reviewed (until then
learners who chose its language read the English)."""

from django.db import migrations


def add_permissions(apps, schema_editor):
    from staff.groups import admin_groups_ensure

    admin_groups_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0010_location_access_moves_to_staff"),
        ("training", "0008_course_translation"),
    ]

    operations = [migrations.RunPython(add_permissions, migrations.RunPython.noop)]
