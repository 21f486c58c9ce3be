"""An assignment is now (staff, cycle, course), and rules say who is assigned which course.
Before this there was one course, assigned to every active staff member: every existing
assignment is that course's, and the course gets the rule "everyone"."""

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models

NO_COURSE = (
    "There are assignments but no course to attach them to. Load the course first "
    "(`python manage.py load_course` on the previous release), then migrate again."
)


def attach_the_course(apps, schema_editor):
    Assignment = apps.get_model("staff", "Assignment")
    CoursePage = apps.get_model("training", "CoursePage")
    if not Assignment.objects.exists():
        return
    course = (
        CoursePage.objects.filter(live=True).order_by("path").first()
        or CoursePage.objects.order_by("path").first()
    )
    if course is None:
        raise RuntimeError(NO_COURSE)
    Assignment.objects.filter(course__isnull=True).update(course=course)


def everyone_takes_the_course(apps, schema_editor):
    CoursePage = apps.get_model("training", "CoursePage")
    AssignmentRule = apps.get_model("staff", "AssignmentRule")
    course = CoursePage.objects.filter(live=True).order_by("path").first()
    if course is not None:
        AssignmentRule.objects.get_or_create(course=course, job_title="", location=None)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0005_assignment_reacknowledge_from"),
        ("training", "0005_policy_version_publishing"),
    ]

    operations = [
        migrations.CreateModel(
            name='AssignmentRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('job_title', models.CharField(blank=True, help_text='Exactly as on the roster, e.g. Teacher. Leave empty for every job title.', max_length=200, verbose_name='job title')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('course', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assignment_rules', to='training.coursepage', verbose_name='course')),
                ('location', models.ForeignKey(blank=True, help_text='Leave empty for every location.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='staff.location', verbose_name='location')),
            ],
            options={
                'verbose_name': 'assignment rule',
                'ordering': ['course', 'job_title', 'location'],
                'constraints': [models.UniqueConstraint(models.F('course'), django.db.models.functions.text.Lower('job_title'), models.F('location'), condition=models.Q(('location__isnull', False)), name='assignment_rule_once'), models.UniqueConstraint(models.F('course'), django.db.models.functions.text.Lower('job_title'), condition=models.Q(('location__isnull', True)), name='assignment_rule_everywhere_once')],
            },
        ),
        migrations.RunPython(everyone_takes_the_course, migrations.RunPython.noop),
        migrations.AddField(
            model_name="assignment",
            name="course",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assignments",
                to="training.coursepage",
                verbose_name="course",
            ),
        ),
        migrations.RunPython(attach_the_course, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="assignment",
            name="course",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assignments",
                to="training.coursepage",
                verbose_name="course",
            ),
        ),
        migrations.RemoveConstraint(model_name="assignment", name="one_assignment_per_cycle"),
        migrations.AddConstraint(
            model_name="assignment",
            constraint=models.UniqueConstraint(
                fields=("staff", "cycle", "course"), name="one_assignment_per_course_and_cycle"
            ),
        ),
    ]
