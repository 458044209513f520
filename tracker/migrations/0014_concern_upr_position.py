# Concern.position held a UPR stance while ``position`` on instruments and themes is their place
# in tables: the concern's field is now ``upr_position`` (the API keeps the name ``position``).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0013_country_aliases"),
    ]

    operations = [
        migrations.RenameField("concern", "position", "upr_position"),
        migrations.RenameField("historicalconcern", "position", "upr_position"),
        migrations.AlterField(
            model_name="concern",
            name="upr_position",
            field=models.CharField(
                blank=True,
                choices=[
                    ("supported", "supported"),
                    ("supported_in_part", "supported in part"),
                    ("noted", "noted"),
                ],
                max_length=17,
                verbose_name="UPR position",
            ),
        ),
        migrations.AlterField(
            model_name="historicalconcern",
            name="upr_position",
            field=models.CharField(
                blank=True,
                choices=[
                    ("supported", "supported"),
                    ("supported_in_part", "supported in part"),
                    ("noted", "noted"),
                ],
                max_length=17,
                verbose_name="UPR position",
            ),
        ),
    ]
