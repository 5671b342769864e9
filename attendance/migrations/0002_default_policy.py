import datetime

from django.db import migrations


def seed_default_policy(apps, schema_editor):
    """The source page's thresholds: 10 minutes late or early, 4 hours for a partial day."""
    AttendancePolicy = apps.get_model("attendance", "AttendancePolicy")
    AttendancePolicy.objects.get_or_create(
        effective_from=datetime.date(2000, 1, 1),
        defaults={
            "tardy_minutes": 10,
            "partial_day_minutes": 240,
            "note": "Defaults from the ESP TL expectations page.",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("attendance", "0001_initial")]

    operations = [migrations.RunPython(seed_default_policy, migrations.RunPython.noop)]
