"""PostgreSQL: concerns' full-text vector stored in a generated column, indexed with GIN.

The GIN index of migration 0002 was on an expression. Every row PostgreSQL checks outside the
index (a rare word when the planner walks the date or id order, a recheck) parsed the text again
with ``to_tsvector``: at 250,000 concerns a search for a word found nowhere took 20 s, counting a
common word 0.3 s. The stored column is parsed once, when a row is written.

Django does not know the column (it is not a model field, and SQLite has no ``tsvector``), so no
insert or update names it. A later migration that changes the type of ``summary`` or
``recommendation`` on PostgreSQL must drop the column first and add it back after.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    """ALTER TABLE tracker_concern ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', summary || ' ' || recommendation)) STORED;""",
    "CREATE INDEX tracker_concern_search_vector ON tracker_concern USING gin (search_vector);",
    "DROP INDEX IF EXISTS tracker_concern_fts_gin;",
]

POSTGRES_BACKWARD = [
    """CREATE INDEX tracker_concern_fts_gin ON tracker_concern
    USING gin (to_tsvector('simple', summary || ' ' || recommendation));""",
    "ALTER TABLE tracker_concern DROP COLUMN search_vector;",
]


class RunSQLOnPostgres(migrations.RunSQL):
    """RunSQL that runs on PostgreSQL only (migrations stay frozen, so not shared with 0002)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0004_claim_country_status_stated_on")]

    operations = [
        RunSQLOnPostgres(POSTGRES_FORWARD, reverse_sql=POSTGRES_BACKWARD),
    ]
