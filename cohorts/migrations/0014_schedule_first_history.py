from django.db import migrations
from django.utils import timezone


def first_history(apps, schema_editor):
    """The seeded schedule had no history row, so the first change in Settings showed no "before":
    record the schedule as it is, once, for each change after it to be read against."""
    Schedule = apps.get_model("cohorts", "Schedule")
    Historical = apps.get_model("cohorts", "HistoricalSchedule")
    for schedule in Schedule.objects.all():
        if Historical.objects.filter(id=schedule.pk).exists():
            continue
        Historical.objects.create(
            id=schedule.pk,
            pm_grace_minutes=schedule.pm_grace_minutes,
            digest_time=schedule.digest_time,
            digest_time_zone=schedule.digest_time_zone,
            wfm_emails=schedule.wfm_emails,
            history_date=timezone.now(),
            history_type="+",
            history_change_reason="As seeded",
        )


class Migration(migrations.Migration):
    dependencies = [("cohorts", "0013_alter_historicalagent_history_change_reason_and_more")]

    operations = [migrations.RunPython(first_history, migrations.RunPython.noop)]
