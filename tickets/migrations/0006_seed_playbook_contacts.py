"""The contacts the source pages name at the playbooks' steps, worded as they are, with the
addresses left for an admin to fill in; and the AHIP/Aetna playbook ends in the Carrier Ticket
("If the TL is still unable to resolve, a Carrier Ticket should be submitted")."""

from django.db import migrations

CONTACTS = {
    "general": [
        ("Company IT chat, for agents using company equipment", "web"),
        ("Company IT chat, for agents using personal equipment", "web"),
    ],
    "ahip-aetna": [
        ("AHIP support phone", "phone"),
        ("AHIP support email", "email"),
        ("Aetna support phone", "phone"),
    ],
}


def seed(apps, schema_editor):
    Playbook = apps.get_model("tickets", "Playbook")
    PlaybookContact = apps.get_model("tickets", "PlaybookContact")
    TicketType = apps.get_model("tickets", "TicketType")
    for code, contacts in CONTACTS.items():
        playbook = Playbook.objects.filter(code=code).first()
        if playbook is None or playbook.contacts.exists():
            continue
        for position, (label, kind) in enumerate(contacts, start=1):
            PlaybookContact.objects.create(playbook=playbook, label=label, kind=kind, position=position * 10)
    carrier = TicketType.objects.filter(code="carrier-ticket").first()
    if carrier is not None:
        Playbook.objects.filter(code="ahip-aetna", opens__isnull=True).update(opens=carrier)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_playbook_contacts")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
