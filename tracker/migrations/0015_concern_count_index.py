# The index of a country's concerns by status and implementation also holds the source and review
# ids, so that counting the public ones (models.public_condition) reads the index alone.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0014_concern_upr_position"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="concern",
            name="tracker_con_country_b5377a_idx",
        ),
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(
                fields=["country", "status", "implementation", "source", "review"],
                name="tracker_con_country_5ce972_idx",
            ),
        ),
    ]
