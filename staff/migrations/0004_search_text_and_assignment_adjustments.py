"""Accent-folded search text on Staff (filled for the staff already on the roster), and the
append-only record of due-date extensions and exemptions."""

import django.db.models.deletion
import django.db.models.functions.text
import django.db.models.lookups
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def fill_search_text(apps, schema_editor):
    from staff.folding import staff_search_text

    Staff = apps.get_model("staff", "Staff")
    batch = []
    for staff in Staff.objects.only("first_name", "last_name", "employee_id").iterator(
        chunk_size=1000
    ):
        staff.search_text = staff_search_text(
            first_name=staff.first_name, last_name=staff.last_name, employee_id=staff.employee_id
        )
        batch.append(staff)
        if len(batch) == 1000:
            Staff.objects.bulk_update(batch, ["search_text"])
            batch = []
    Staff.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):

    dependencies = [
        ('staff', '0003_roster_changes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='staff',
            name='search_text',
            field=models.CharField(blank=True, default='', editable=False, max_length=1000),
        ),
        migrations.CreateModel(
            name='AssignmentAdjustment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('extension', 'Due date extended'), ('exemption', 'Exempt from this cycle')], max_length=20, verbose_name='kind')),
                ('due_on', models.DateField(blank=True, null=True, verbose_name='new due date')),
                ('reason', models.TextField(max_length=1000, verbose_name='reason')),
                ('made_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='made at')),
                ('assignment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='adjustments', to='staff.assignment')),
                ('made_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='made by')),
            ],
            options={
                'verbose_name': 'due date extension or exemption',
                'verbose_name_plural': 'due date extensions and exemptions',
                'ordering': ['assignment', 'pk'],
                'indexes': [models.Index(fields=['assignment', '-id'], name='adjustment_latest_first')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('due_on__isnull', False), ('kind', 'extension')), models.Q(('due_on__isnull', True), ('kind', 'exemption')), _connector='OR'), name='adjustment_extension_has_a_date_exemption_none'), models.CheckConstraint(condition=django.db.models.lookups.GreaterThan(django.db.models.functions.text.Length(django.db.models.functions.text.Trim('reason')), 0), name='adjustment_has_a_reason')],
            },
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
    ]
