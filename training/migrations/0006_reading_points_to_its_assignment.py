"""Reading (section progress and slide views) points to the assignment it counts for. Existing
rows are attached once, by the date rule the site used until now: the assignment whose cycle
holds the row's date in the district's time zone. Rows outside every cycle stay unattached
(they counted for no cycle before either)."""

import django.db.models.deletion
from django.db import migrations, models


def attach_reading(apps, schema_editor):
    Assignment = apps.get_model("staff", "Assignment")
    SectionProgress = apps.get_model("training", "SectionProgress")
    SlideView = apps.get_model("training", "SlideView")
    for assignment in Assignment.objects.select_related("cycle", "staff").exclude(
        staff__user__isnull=True
    ):
        user_id, cycle = assignment.staff.user_id, assignment.cycle
        SectionProgress.objects.filter(
            user_id=user_id,
            assignment__isnull=True,
            updated_at__date__gte=cycle.starts_on,
            updated_at__date__lte=cycle.ends_on,
        ).update(assignment=assignment)
        SlideView.objects.filter(
            user_id=user_id,
            assignment__isnull=True,
            viewed_at__date__gte=cycle.starts_on,
            viewed_at__date__lte=cycle.ends_on,
        ).update(assignment=assignment)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0006_assignment_per_course"),
        ("training", "0005_policy_version_publishing"),
    ]

    operations = [
        migrations.AddField(
            model_name="sectionprogress",
            name="assignment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="section_progress",
                to="staff.assignment",
            ),
        ),
        migrations.AddField(
            model_name="slideview",
            name="assignment",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="slide_views",
                to="staff.assignment",
            ),
        ),
        migrations.RunPython(attach_reading, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="sectionprogress", name="one_progress_per_section"),
        migrations.AddConstraint(
            model_name="sectionprogress",
            constraint=models.UniqueConstraint(
                condition=models.Q(("assignment__isnull", False)),
                fields=("assignment", "section"),
                name="one_progress_per_assignment_and_section",
            ),
        ),
        migrations.AddConstraint(
            model_name="sectionprogress",
            constraint=models.UniqueConstraint(
                condition=models.Q(("assignment__isnull", True)),
                fields=("user", "section"),
                name="one_unassigned_progress_per_section",
            ),
        ),
    ]
