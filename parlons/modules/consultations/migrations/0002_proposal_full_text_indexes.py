"""GIN indexes for the full-text search of proposals, on PostgreSQL only (SQLite searches with LIKE).

The indexed expressions are exactly those ``selectors.search_vector`` builds, one per text-search configuration
(French and English), so that PostgreSQL's planner can use them. On SQLite this migration does nothing.
"""

from django.db import migrations

CONFIGS = {"fr": "french", "en": "english"}


def _expression(config: str) -> str:
    return (
        f"(setweight(to_tsvector('{config}'::regconfig, COALESCE(title, '')), 'A') || "
        f"setweight(to_tsvector('{config}'::regconfig, COALESCE(body, '')), 'B'))"
    )


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for suffix, config in CONFIGS.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS proposal_search_{suffix}_idx "
            f"ON consultations_proposal USING gin ({_expression(config)})"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for suffix in CONFIGS:
        schema_editor.execute(f"DROP INDEX IF EXISTS proposal_search_{suffix}_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
