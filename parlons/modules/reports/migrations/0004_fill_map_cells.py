"""Data: count the reports already stored in the map's cluster cells (the table is new in 0003)."""

from django.db import migrations


def fill(apps, schema_editor):
    from parlons.modules.reports import cells

    if apps.get_model("reports", "Report").objects.exists():
        cells.rebuild()


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_map_cells_and_covering_index")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
