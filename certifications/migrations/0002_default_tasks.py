from django.db import migrations

# The tracking sheet's columns. The source pages name the tasks but not their due days or attempt
# limits (the Agent Timeframe Expectations and the Failed Cert Exams Guide are not attached):
# these are defaults for the company to set in the admin.
TASKS = [
    # code, name, position, due day, proof, exam, attempt limit, description
    ("ahip", "AHIP", 10, 2, True, True, 3, "The industry Medicare certification."),
    ("aetna", "Aetna", 20, 3, True, True, 3, "The Aetna carrier certification."),
    ("tbt", "TBT", 30, 3, False, False, None, "TBT training."),
    ("call-cert", "Call Certification", 40, 4, False, False, None, "Call certification with a certifier."),
    ("equipment", "Equipment", 50, 1, False, False, None, "Equipment received and verified working."),
    ("rts", "RTS / No More Forms", 60, 5, False, False, None, "Ready to sell, no paperwork outstanding."),
]


def seed_tasks(apps, schema_editor):
    Task = apps.get_model("certifications", "Task")
    for code, name, position, due_day, proof, exam, limit, description in TASKS:
        Task.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "position": position,
                "due_day": due_day,
                "requires_proof": proof,
                "is_exam": exam,
                "attempt_limit": limit,
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("certifications", "0001_initial")]

    operations = [migrations.RunPython(seed_tasks, migrations.RunPython.noop)]
