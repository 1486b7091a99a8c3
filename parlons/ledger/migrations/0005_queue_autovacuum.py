"""The queue table churns (every entry is inserted once and deleted once, within seconds): on PostgreSQL, vacuum
it after a fixed number of dead rows rather than a fraction of its size, without throttling, so dead rows never
pile up under the sequencer's index scans during a busy vote."""

from django.db import migrations

SETTINGS = (
    "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,"
    " autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000,"
    " autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000,"
    " autovacuum_vacuum_cost_delay = 0"
)
NAMES = (
    "autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, autovacuum_vacuum_insert_scale_factor,"
    " autovacuum_vacuum_insert_threshold, autovacuum_analyze_scale_factor, autovacuum_analyze_threshold,"
    " autovacuum_vacuum_cost_delay"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE ledger_ledgerpending SET ({SETTINGS})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE ledger_ledgerpending RESET ({NAMES})")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_remove_ledgernode")]

    operations = [migrations.RunPython(forwards, backwards)]
