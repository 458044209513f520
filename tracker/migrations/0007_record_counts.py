import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count


def fill(apps, schema_editor):
    """Count what is there, as the tracker counted it when this table was added: per country,
    theme (None: no theme; and once in all), editorial status and current status. Written
    with the migration's own models, not the live code, so that later changes to how counts
    are kept never change what this migration does (the app recounts on later writes)."""
    counted = apps.get_model("tracker", "RecordCount")
    using = schema_editor.connection.alias
    rows = []
    for name, outcome in (("concern", "implementation"), ("claim", "verification")):
        records = apps.get_model("tracker", name)._default_manager.using(using)
        for columns, all_themes in ((("themes",), False), ((), True)):
            grouped = records.values("country_id", "status", outcome, *columns)
            for row in grouped.annotate(n=Count("pk")).order_by():
                rows.append(
                    counted(
                        record=name,
                        country_id=row["country_id"],
                        theme_id=row.get("themes"),
                        all_themes=all_themes,
                        status=row["status"],
                        outcome=row[outcome],
                        n=row["n"],
                    )
                )
    counted._default_manager.using(using).bulk_create(rows, batch_size=1000)


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
