"""Data: copy the stored full nodes of levels 0, 8, 16, … into hash tiles (256 nodes per row)."""

from django.db import migrations

TILE_WIDTH, TILE_HEIGHT = 256, 8


def nodes_to_tiles(apps, schema_editor):
    LedgerLog = apps.get_model("ledger", "LedgerLog")
    LedgerNode = apps.get_model("ledger", "LedgerNode")
    LedgerTile = apps.get_model("ledger", "LedgerTile")
    for log in LedgerLog.objects.all():
        level = 0
        while (1 << level) <= log.size:
            tiles = []
            current, data = None, bytearray()
            rows = (
                LedgerNode.objects.filter(organisation_id=log.organisation_id, level=level)
                .order_by("idx")
                .values_list("idx", "hash")
                .iterator(chunk_size=10000)
            )
            for idx, h in rows:
                tile = idx // TILE_WIDTH
                if tile != current:
                    if current is not None:
                        tiles.append(
                            LedgerTile(
                                organisation_id=log.organisation_id,
                                level=level // TILE_HEIGHT,
                                idx=current,
                                hashes=bytes(data),
                            )
                        )
                    current, data = tile, bytearray()
                data.extend(bytes(h))
            if current is not None:
                tiles.append(
                    LedgerTile(
                        organisation_id=log.organisation_id,
                        level=level // TILE_HEIGHT,
                        idx=current,
                        hashes=bytes(data),
                    )
                )
            LedgerTile.objects.bulk_create(tiles, batch_size=1000)
            level += TILE_HEIGHT


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_tiles_queue_census")]

    operations = [migrations.RunPython(nodes_to_tiles, migrations.RunPython.noop)]
