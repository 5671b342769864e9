from django.db import migrations


def seed(apps, schema_editor):
    """Final CAP and Term wait for the PM's approval unless an admin says otherwise."""
    apps.get_model("attendance", "CorrectiveLevel").objects.filter(code__in=["final", "term"]).update(
        needs_approval=True
    )


class Migration(migrations.Migration):
    dependencies = [("attendance", "0005_approvals_and_changes")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
