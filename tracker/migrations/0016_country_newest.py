# A country's concerns and claims indexed in the order lists show them (newest first, then by
# key), in place of the indexes by date alone: the newest few of each theme are read without a sort.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0015_concern_count_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="claim",
            name="tracker_cla_country_0f3d18_idx",
        ),
        migrations.RemoveIndex(
            model_name="concern",
            name="tracker_con_country_f2b424_idx",
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                fields=["country", "status", "-stated_on", "key"], name="claim_country_newest"
            ),
        ),
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(
                fields=["country", "status", "-issued_on", "key"], name="concern_country_newest"
            ),
        ),
    ]
