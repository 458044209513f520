"""Status snapshot keys no longer carry the seed document's number (``seed001-table1-kaz-cat``
becomes ``analysis-2021-table1-kaz-cat``): keys show in the API, and readers need not see how
the curated data was put together. Renamed in place, so ``load_seeds`` updates these records
instead of adding a second copy beside them."""

from django.db import migrations

OLD, NEW = "seed001-table1-", "analysis-2021-table1-"


def rename(apps, schema_editor, old=OLD, new=NEW):
    snapshot = apps.get_model("tracker", "StatusSnapshot")
    for row in snapshot.objects.filter(key__startswith=old).only("pk", "key"):
        row.key = new + row.key[len(old) :]
        row.save(update_fields=["key"])


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0009_reporting_status")]

    operations = [migrations.RunPython(rename, rename_back)]
