"""The HR administrators group (HR keeps the roster and the cycles without being a superuser),
and the Editors group given what a training coordinator needs: publish the course and edit the
question bank."""

from django.db import migrations


def ensure_groups(apps, schema_editor):
    from staff.groups import admin_groups_ensure, page_and_collection_permissions_ensure

    admin_groups_ensure(apps)
    page_and_collection_permissions_ensure(apps)


def remove_hr_group(apps, schema_editor):
    from staff.groups import HR

    apps.get_model("auth", "Group").objects.filter(name=HR).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_outbox_permissions"),
        ("quizzes", "0002_attempt_attemptquestion_and_more"),
        ("training", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [migrations.RunPython(ensure_groups, remove_hr_group)]
