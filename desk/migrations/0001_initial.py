"""EndOfDayCheck, moved from cohorts: its table stays where it is (cohorts_endofdaycheck)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('cohorts', '0011_move_notice_and_end_of_day_check'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='EndOfDayCheck',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('checked_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('items', models.JSONField(default=dict)),
                ('open_count', models.PositiveIntegerField(default=0)),
                ('pm_checked_at', models.DateTimeField(blank=True, null=True)),
                ('cohort', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='end_of_day_checks', to='cohorts.cohort')),
            ],
            options={
                'db_table': 'cohorts_endofdaycheck',
                'ordering': ['-day'],
                'constraints': [models.UniqueConstraint(fields=('cohort', 'day'), name='one_end_of_day_check_per_cohort_day')],
            },
        ),
                ],
            database_operations=[],
        ),
    ]
