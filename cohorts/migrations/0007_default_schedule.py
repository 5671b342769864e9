import datetime

from django.db import migrations


def seed_schedule(apps, schema_editor):
    """Defaults for the company to set: PM emailed 60 minutes after a cohort's end of day if
    items are still open; WFM digest at 23:00 Eastern, after every US cohort's shift."""
    Schedule = apps.get_model("cohorts", "Schedule")
    if not Schedule.objects.exists():
        Schedule.objects.create(
            pm_grace_minutes=60,
            digest_time=datetime.time(23, 0),
            digest_time_zone="America/New_York",
            wfm_emails="wfm@example.com",
        )


class Migration(migrations.Migration):
    dependencies = [("cohorts", "0006_end_of_day")]

    operations = [migrations.RunPython(seed_schedule, migrations.RunPython.noop)]
