"""``parlons reports_rebuild_cells [--component ID ...]``: recompute the map's pre-aggregated cluster cells."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from parlons.modules.reports import cells


class Command(BaseCommand):
    help = (
        "Recompute the map's cluster cells from the reports (after a bulk load or an import that bypassed "
        "the services, or to repair them): one INSERT … SELECT … GROUP BY per grid level."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--component", type=int, action="append", help="only this reports component (repeatable)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        written = cells.rebuild(component_ids=options["component"])
        self.stdout.write(
            f"{written} cell rows written over {len(cells.CELL_LEVELS)} levels "
            f"in {time.monotonic() - started:.1f} s"
        )
