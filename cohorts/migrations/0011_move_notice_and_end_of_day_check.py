"""Notice moved to notifications, EndOfDayCheck to desk: the state moves, the tables stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cohorts", "0010_cohort_revision"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="notice",
                    name="agent",
                ),
                migrations.DeleteModel(
                    name="EndOfDayCheck",
                ),
                migrations.DeleteModel(
                    name="Notice",
                ),
            ],
            database_operations=[],
        ),
    ]
