from django.db import migrations

LEVELS = [
    ("coaching", "Verbal coaching", 1, False, False),
    ("written", "Written CAP", 2, False, True),
    ("final", "Final CAP", 3, False, True),
    ("term", "Term", 4, True, True),
]

# The source pages name the Attendance Policy, the Agent Timeframe Expectations and the Failed
# Cert Exams Guide but not their numbers: these are defaults for the company to set.
RULES = [
    # name, kind, kinds, window, days, threshold, level
    ("Late or left early in the ESP week", "occurrences", "late,left_early", "esp_week", None, 2, "coaching"),
    ("Partial days in the ESP week", "occurrences", "late_partial,left_early_partial", "esp_week", None, 2, "written"),
    ("Absences in the ESP week", "occurrences", "absent", "esp_week", None, 2, "written"),
    ("Occurrences in 30 days", "occurrences", "late,late_partial,left_early,left_early_partial,absent", "rolling", 30, 4, "written"),
    ("Consecutive absences", "consecutive_absences", "", "esp_week", None, 2, "final"),
    ("Task past its due day", "overdue_task", "", "esp_week", None, 1, "coaching"),
    ("Exam attempt limit reached", "attempt_limit", "", "esp_week", None, 1, "written"),
]


def seed(apps, schema_editor):
    Level = apps.get_model("attendance", "CorrectiveLevel")
    Rule = apps.get_model("attendance", "EscalationRule")
    levels = {}
    for code, name, rank, is_term, printable in LEVELS:
        levels[code], _ = Level.objects.get_or_create(
            code=code, defaults={"name": name, "rank": rank, "is_term": is_term, "printable": printable}
        )
    for name, kind, kinds, window, days, threshold, level in RULES:
        Rule.objects.get_or_create(
            name=name,
            version=1,
            defaults={
                "kind": kind,
                "occurrence_kinds": kinds,
                "window": window,
                "window_days": days,
                "threshold": threshold,
                "level": levels[level],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("attendance", "0003_accountability")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
