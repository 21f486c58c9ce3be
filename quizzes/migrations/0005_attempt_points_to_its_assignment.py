"""Each attempt points to the assignment it counts for. Existing attempts are attached once,
by the date rule the site used until now: the assignment whose cycle holds the day the attempt
started, in the district's time zone. Attempts outside every cycle stay unattached (they
counted for no cycle before either)."""

import django.db.models.deletion
from django.db import migrations, models


def attach_attempts(apps, schema_editor):
    Assignment = apps.get_model("staff", "Assignment")
    Attempt = apps.get_model("quizzes", "Attempt")
    for assignment in Assignment.objects.select_related("cycle", "staff").exclude(
        staff__user__isnull=True
    ):
        cycle = assignment.cycle
        Attempt.objects.filter(
            user_id=assignment.staff.user_id,
            assignment__isnull=True,
            started_at__date__gte=cycle.starts_on,
            started_at__date__lte=cycle.ends_on,
        ).update(assignment=assignment)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0006_assignment_per_course"),
        ("quizzes", "0004_question_keys_review_and_test_out"),
    ]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="assignment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="attempts",
                to="staff.assignment",
                verbose_name="assignment",
            ),
        ),
        migrations.RunPython(attach_attempts, migrations.RunPython.noop),
    ]
