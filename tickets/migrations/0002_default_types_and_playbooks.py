from django.db import migrations

COMMON = [
    ("agent_name", "Agent", "text", True),
    ("employee_id", "Employee ID", "text", True),
    ("cohort", "Cohort", "text", False),
    ("team_lead", "Team lead", "text", False),
]

# The tracking forms of the source page (the later revision's five). Destination addresses are
# left for an admin to set.
TYPES = [
    ("carrier-cert-completion", "Carrier Cert Completion Form", False, [
        ("carrier", "Carrier", "text", True),
        ("exam_date", "Certification date", "date", True),
        ("score", "Score", "number", False),
    ]),
    ("call-certification", "Call Certification Form", False, [
        ("certification_date", "Certification date", "date", True),
        ("certifier", "Certifier", "text", True),
        ("result", "Result", "text", True),
    ]),
    ("failed-carrier-cert-exams", "Failed Carrier Cert Exams", False, [
        ("carrier", "Carrier", "text", True),
        ("exam_date", "Exam date", "date", True),
        ("score", "Score", "number", False),
        ("attempt", "Attempt number", "number", True),
    ]),
    ("carrier-ticket", "Carrier Tickets", True, [
        ("carrier", "Carrier", "text", True),
        ("issue", "Issue", "textarea", True),
        ("steps_tried", "Steps already tried", "textarea", True),
    ]),
    ("esp-tracker-form", "ESP Tracker form (certification proof)", False, [
        ("carrier", "Certification", "text", True),
        ("file_name", "Screenshot", "text", True),
    ]),
]

PLAYBOOKS = [
    ("general", "General troubleshooting", 10, [
        "Use Chrome first",
        "Try Firefox next, then the remaining browser",
        "Verify sufficient internet speed",
        "Limit other internet and app use (no music or video streams)",
        "Agent chats with company IT (company equipment or personal equipment address)",
    ]),
    ("ahip-aetna", "AHIP/Aetna troubleshooting", 20, [
        "Tried all the general troubleshooting steps",
        "Cleared cache and cookies and refreshed",
        "Agent contacted AHIP or Aetna support and reported back",
        "TL called AHIP or Aetna directly",
    ]),
    ("tbt", "TBT troubleshooting", 30, [
        "Tried all the general troubleshooting steps",
        "Cleared cache and cookies and refreshed",
    ]),
]


def seed(apps, schema_editor):
    TicketType = apps.get_model("tickets", "TicketType")
    TicketField = apps.get_model("tickets", "TicketField")
    Playbook = apps.get_model("tickets", "Playbook")
    for position, (code, name, resolvable, fields) in enumerate(TYPES, start=1):
        ticket_type, created = TicketType.objects.get_or_create(
            code=code, defaults={"name": name, "resolvable": resolvable, "position": position * 10}
        )
        if created:
            for index, (field, label, kind, required) in enumerate(COMMON + fields):
                TicketField.objects.create(
                    ticket_type=ticket_type, name=field, label=label, kind=kind, required=required, position=index
                )
    for code, name, position, steps in PLAYBOOKS:
        Playbook.objects.get_or_create(code=code, defaults={"name": name, "position": position, "steps": "\n".join(steps)})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
