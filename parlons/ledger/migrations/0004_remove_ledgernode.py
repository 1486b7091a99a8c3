from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_nodes_to_tiles")]

    operations = [migrations.DeleteModel(name="LedgerNode")]
