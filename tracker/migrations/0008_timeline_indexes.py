import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0007_record_counts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                models.F("country"),
                models.F("status"),
                django.db.models.functions.comparison.Coalesce("action_on", "stated_on"),
                name="claim_country_day",
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                fields=["country", "status", "observed_from"], name="tracker_rep_country_7e9c0e_idx"
            ),
        ),
    ]
