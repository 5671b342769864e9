"""Notice, moved from cohorts: its table stays where it is (cohorts_notice) until 0002."""

import django.db.models.deletion
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
            name='Notice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=200, unique=True)),
                ('kind', models.CharField(choices=[('red_flag', 'Red flag raised'), ('agent_issue', 'Agent issue reported'), ('agent_ready', 'Agent ready for production'), ('term', 'Term issued'), ('ticket', 'Ticket submitted'), ('eod_tl', 'End-of-day summary to the TL'), ('eod_pm', 'End-of-day items still open, to the PM'), ('wfm_digest', 'WFM attendance digest'), ('attempt_limit', 'Exam attempt limit reached'), ('approval', 'A ladder step waits for approval')], max_length=20)),
                ('recipients', models.JSONField(default=list)),
                ('subject', models.CharField(max_length=250)),
                ('body_text', models.TextField()),
                ('body_html', models.TextField()),
                ('attachment_name', models.CharField(blank=True, max_length=100)),
                ('attachment', models.TextField(blank=True, help_text="A text attachment (the digest's CSV).")),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('sending_until', models.DateTimeField(blank=True, help_text='Claimed by a worker until then.', null=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('last_error', models.TextField(blank=True)),
                ('agent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='notices', to='cohorts.agent')),
            ],
            options={
                'db_table': 'cohorts_notice',
                'ordering': ['-created_at'],
                'indexes': [models.Index(fields=['sent_at', 'created_at'], name='cohorts_not_sent_at_6ee998_idx')],
            },
        ),
                ],
            database_operations=[],
        ),
    ]
