"""The moved table takes this app's name."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('desk', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelTable(
            name='endofdaycheck',
            table=None,
        ),
    ]
