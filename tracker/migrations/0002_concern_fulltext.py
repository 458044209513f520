"""Full-text search over concerns (summary and recommendation), one index per database.

SQLite: an external-content FTS5 table ``tracker_concern_fts`` (it stores only the index; the
text stays in ``tracker_concern``) kept in step by three triggers. PostgreSQL: a GIN index on the
same expression that ``ConcernQuerySet.search`` queries. Other databases get neither and search
with ``icontains``.

Beware: when a later migration makes Django rebuild ``tracker_concern`` on SQLite (most column
changes do), SQLite drops the triggers with the old table. That migration must re-run
``SQLITE_TRIGGERS`` and rebuild the index; ``tests/test_search.py`` fails until it does.
"""

from django.db import migrations

SQLITE_TABLE = """
CREATE VIRTUAL TABLE tracker_concern_fts USING fts5(
    summary, recommendation,
    content='tracker_concern', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
"""

SQLITE_TRIGGERS = [
    """CREATE TRIGGER tracker_concern_fts_insert AFTER INSERT ON tracker_concern BEGIN
        INSERT INTO tracker_concern_fts(rowid, summary, recommendation)
        VALUES (new.id, new.summary, new.recommendation);
    END;""",
    """CREATE TRIGGER tracker_concern_fts_delete AFTER DELETE ON tracker_concern BEGIN
        INSERT INTO tracker_concern_fts(tracker_concern_fts, rowid, summary, recommendation)
        VALUES ('delete', old.id, old.summary, old.recommendation);
    END;""",
    """CREATE TRIGGER tracker_concern_fts_update AFTER UPDATE OF summary, recommendation
    ON tracker_concern BEGIN
        INSERT INTO tracker_concern_fts(tracker_concern_fts, rowid, summary, recommendation)
        VALUES ('delete', old.id, old.summary, old.recommendation);
        INSERT INTO tracker_concern_fts(rowid, summary, recommendation)
        VALUES (new.id, new.summary, new.recommendation);
    END;""",
]

SQLITE_REBUILD = "INSERT INTO tracker_concern_fts(tracker_concern_fts) VALUES ('rebuild');"

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tracker_concern_fts_insert;",
    "DROP TRIGGER IF EXISTS tracker_concern_fts_delete;",
    "DROP TRIGGER IF EXISTS tracker_concern_fts_update;",
    "DROP TABLE IF EXISTS tracker_concern_fts;",
]

POSTGRES_INDEX = """
CREATE INDEX tracker_concern_fts_gin ON tracker_concern
USING gin (to_tsvector('simple', summary || ' ' || recommendation));
"""

POSTGRES_DROP = "DROP INDEX IF EXISTS tracker_concern_fts_gin;"


class RunSQLOn(migrations.RunSQL):
    """RunSQL that only runs on one database vendor (``sqlite``, ``postgresql``)."""

    def __init__(self, vendor, *args, **kwargs):
        self.vendor = vendor
        super().__init__(*args, **kwargs)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0001_initial")]

    operations = [
        RunSQLOn(
            "sqlite", [SQLITE_TABLE, *SQLITE_TRIGGERS, SQLITE_REBUILD], reverse_sql=SQLITE_DROP
        ),
        RunSQLOn("postgresql", POSTGRES_INDEX, reverse_sql=POSTGRES_DROP),
    ]
