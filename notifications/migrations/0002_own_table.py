"""The moved table takes this app's name."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.RenameIndex(
            model_name='notice',
            new_name='notificatio_sent_at_300dd1_idx',
            old_name='cohorts_not_sent_at_6ee998_idx',
        ),
        migrations.AlterModelTable(
            name='notice',
            table=None,
        ),
    ]
