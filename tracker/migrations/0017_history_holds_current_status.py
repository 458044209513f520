"""A history row of a concern or claim holds its current status as the save read it, so that
simple-history no longer reads the record again for each tracked many-to-many field. Rows
written before hold an empty value: what the status was then is not known."""

from django.db import migrations, models


def unknown_before(apps, schema_editor):
    apps.get_model("tracker", "HistoricalConcern").objects.update(implementation="")
    apps.get_model("tracker", "HistoricalClaim").objects.update(verification="")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0016_country_newest"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalclaim",
            name="verification",
            field=models.CharField(
                choices=[
                    ("corroborated", "corroborated"),
                    ("partly_corroborated", "partly corroborated"),
                    ("contested", "contested"),
                    ("contradicted", "contradicted"),
                    ("unverified", "unverified"),
                ],
                db_default="unverified",
                default="unverified",
                editable=False,
                max_length=21,
            ),
        ),
        migrations.AddField(
            model_name="historicalconcern",
            name="implementation",
            field=models.CharField(
                choices=[
                    ("not_implemented", "not implemented"),
                    ("partially_implemented", "partially implemented"),
                    ("implemented", "implemented"),
                    ("regressed", "regressed"),
                    ("no_information", "no information"),
                ],
                db_default="no_information",
                default="no_information",
                editable=False,
                max_length=21,
            ),
        ),
        migrations.RunPython(unknown_before, migrations.RunPython.noop, elidable=True),
    ]
