"""The theme links with each record's country and date (``ThemeLink``), filled from the records.
Written in SQL, not with the app's code: a migration must run the same whatever the code
becomes (``tracker.counts.recount`` keeps them from here on)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0017_history_holds_current_status"),
    ]

    operations = [
        migrations.CreateModel(
            name="ClaimThemeLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(null=True)),
                ("key", models.CharField(max_length=120)),
                (
                    "country",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tracker.country",
                    ),
                ),
                (
                    "record",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tracker.claim",
                    ),
                ),
                (
                    "theme",
                    models.ForeignKey(
                        db_index=False,
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
                        fields=["theme", "country", "-day", "key"], name="claim_theme_newest"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ConcernThemeLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(null=True)),
                ("key", models.CharField(max_length=120)),
                (
                    "country",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tracker.country",
                    ),
                ),
                (
                    "record",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tracker.concern",
                    ),
                ),
                (
                    "theme",
                    models.ForeignKey(
                        db_index=False,
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
                        fields=["theme", "country", "-day", "key"], name="concern_theme_newest"
                    )
                ],
            },
        ),
        migrations.RunSQL(
            "INSERT INTO tracker_concernthemelink (record_id, theme_id, country_id, day, key) "
            "SELECT c.id, link.theme_id, c.country_id, c.issued_on, c.key FROM tracker_concern c "
            "LEFT JOIN tracker_concern_themes link ON link.concern_id = c.id",
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            "INSERT INTO tracker_claimthemelink (record_id, theme_id, country_id, day, key) "
            "SELECT c.id, link.theme_id, c.country_id, c.stated_on, c.key FROM tracker_claim c "
            "LEFT JOIN tracker_claim_themes link ON link.claim_id = c.id",
            migrations.RunSQL.noop,
        ),
    ]
