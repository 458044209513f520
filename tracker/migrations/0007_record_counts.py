import django.db.models.deletion
from django.db import migrations, models

from tracker import counts


def fill(apps, schema_editor):
    counts.recount(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0006_current_status"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecordCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "record",
                    models.CharField(
                        choices=[("concern", "concern"), ("claim", "claim")], max_length=7
                    ),
                ),
                ("all_themes", models.BooleanField(default=False)),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "draft"), ("published", "published")], max_length=9
                    ),
                ),
                ("outcome", models.CharField(max_length=21)),
                ("n", models.PositiveIntegerField()),
                (
                    "country",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tracker.country",
                    ),
                ),
                (
                    "theme",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tracker.theme",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["record", "country", "all_themes"],
                        name="tracker_rec_record_77c4f7_idx",
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
