# ruff: noqa: S608 - the SQL here is built from model metadata and constants; values are parameters
"""Pre-aggregated map clusters: how many reports each cell of a fixed world grid holds, per zoom level.

The map clusters reports in cells of ``cluster_cell_degrees(zoom)`` degrees (a fixed grid, so clusters do
not jump when the map pans). Counting a million rows on every pan is too slow, so ``ReportCell`` keeps, for
each grid level in ``CELL_LEVELS``, one row per (cell, status, category, district, private) with the count
and the sum of longitudes and latitudes (for the centroid). The services that create, change, merge, hide
or delete reports call :func:`report_changed` in their own transaction; ``parlons reports_rebuild_cells``
recomputes the table (after a bulk load, or to repair it).

Cells of a coarse level are exactly 2×2 cells of the next finer one (the cell side halves at each zoom,
from the same origin), so every level is derived from the finest cell index by an integer shift: the
incremental updates here and the SQL rebuild give the very same cells.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from parlons.geo.geometry import cluster_cell_degrees
from parlons.modules.reports.models import Report, ReportCell

# Grid levels kept in the table: the map's zooms below the individual-marker zoom (17). Zooms further out
# than the first level regroup its cells (integer shift); the street level reads reports themselves.
CELL_LEVELS = tuple(range(8, 17))
FINEST_LEVEL = CELL_LEVELS[-1]
COARSEST_LEVEL = CELL_LEVELS[0]
FINEST_CELL = cluster_cell_degrees(FINEST_LEVEL)

KEY_COLUMNS = ("component_id", "level", "cx", "cy", "status", "category_id", "district", "is_private")


@dataclass(frozen=True)
class Placement:
    """What decides where a report is counted: its map, position and the fields the map filters on."""

    component_id: int
    lon: float
    lat: float
    status: str
    category_id: int
    area_id: int | None
    is_private: bool


PLACEMENT_FIELDS = ("component_id", "lon", "lat", "status", "category_id", "area_id", "is_private")


def finest_cell(lon: float, lat: float) -> tuple[int, int]:
    """The report's cell at the finest level, computed like the SQL rebuild: FLOOR((lon + 180) / side)."""
    return math.floor((lon + 180.0) / FINEST_CELL), math.floor((lat + 90.0) / FINEST_CELL)


def placement_of(report: Report) -> Placement:
    return Placement(
        component_id=report.component_id,
        lon=float(report.lon),
        lat=float(report.lat),
        status=str(report.status),
        category_id=report.category_id,
        area_id=report.area_id,
        is_private=bool(report.is_private),
    )


def stored_placement(report_id: int) -> Placement | None:
    """The report's placement as the database holds it, row locked until the transaction ends (so that two
    concurrent changes of one report count it once)."""
    row = Report.objects.select_for_update().filter(pk=report_id).values_list(*PLACEMENT_FIELDS).first()
    return Placement(*row) if row is not None else None


def _rows(placement: Placement, sign: int) -> dict[tuple[Any, ...], list[float]]:
    fx, fy = finest_cell(placement.lon, placement.lat)
    rows = {}
    for level in CELL_LEVELS:
        shift = FINEST_LEVEL - level
        key = (
            placement.component_id,
            level,
            fx >> shift,
            fy >> shift,
            placement.status,
            placement.category_id,
            placement.area_id or 0,
            placement.is_private,
        )
        rows[key] = [sign, sign * placement.lon, sign * placement.lat]
    return rows


def report_changed(*, before: Placement | None, after: Placement | None) -> None:
    """Move one report's count from the cells of ``before`` to those of ``after`` (None: not on the map).

    Must run inside the transaction that changes the report. One statement (an upsert of at most two rows
    per level); nothing when nothing the map counts has changed.
    """
    if before == after:
        return
    delta: dict[tuple[Any, ...], list[float]] = {}
    for placement, sign in ((before, -1), (after, 1)):
        if placement is None:
            continue
        for key, values in _rows(placement, sign).items():
            if key in delta:
                delta[key] = [a + b for a, b in zip(delta[key], values, strict=True)]
            else:
                delta[key] = values
    changes = [(key, values) for key, values in delta.items() if values[0] != 0]
    if changes:
        _upsert(changes)


def _upsert(changes: list[tuple[tuple[Any, ...], list[float]]]) -> None:
    table = ReportCell._meta.db_table
    columns = [*KEY_COLUMNS, "n", "sum_lon", "sum_lat"]
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    params: list[Any] = []
    for key, (n, sum_lon, sum_lat) in changes:
        params += [*key, int(n), sum_lon, sum_lat]
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([row] * len(changes))} "
        f"ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO UPDATE SET "
        f"n = {table}.n + excluded.n, sum_lon = {table}.sum_lon + excluded.sum_lon, "
        f"sum_lat = {table}.sum_lat + excluded.sum_lat"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def reports_added(reports: Iterable[Report]) -> None:
    """Count reports created outside the services (factories, imports) in the cells."""
    for report in reports:
        report_changed(before=None, after=placement_of(report))


@transaction.atomic
def rebuild(*, component_ids: Iterable[int] | None = None) -> int:
    """Recompute the cells of these components (all when None) from the reports: one INSERT … SELECT …
    GROUP BY per level (the finest from the reports, each coarser one from the level below). Returns the
    number of cell rows written."""
    table = ReportCell._meta.db_table
    reports = Report._meta.db_table
    ids = None if component_ids is None else [int(pk) for pk in component_ids]
    scope_cells = "" if ids is None else f" WHERE component_id IN ({', '.join(['%s'] * len(ids))})"
    scope_reports = "" if ids is None else f" WHERE component_id IN ({', '.join(['%s'] * len(ids))})"
    params = ids or []
    columns = ", ".join([*KEY_COLUMNS, "n", "sum_lon", "sum_lat"])
    with connection.cursor() as cursor:
        if ids == []:
            return 0
        cursor.execute(f"DELETE FROM {table}{scope_cells}", params)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "
            f"SELECT component_id, {FINEST_LEVEL}, "
            f"CAST(FLOOR((lon + 180.0) / {FINEST_CELL!r}) AS INTEGER), "
            f"CAST(FLOOR((lat + 90.0) / {FINEST_CELL!r}) AS INTEGER), "
            f"status, category_id, COALESCE(area_id, 0), is_private, COUNT(*), SUM(lon), SUM(lat) "
            f"FROM {reports}{scope_reports} GROUP BY 1, 3, 4, 5, 6, 7, 8",
            params,
        )
        written = cursor.rowcount
        for level in reversed(CELL_LEVELS[:-1]):
            level_scope = " AND " + scope_cells.removeprefix(" WHERE ") if ids is not None else ""
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "
                f"SELECT component_id, {level}, cx / 2, cy / 2, status, category_id, district, is_private, "
                f"SUM(n), SUM(sum_lon), SUM(sum_lat) FROM {table} WHERE level = {level + 1}{level_scope} "
                f"GROUP BY component_id, cx / 2, cy / 2, status, category_id, district, is_private",
                params,
            )
            written += cursor.rowcount
    return written


@contextmanager
def tracking(report: Report) -> Iterator[None]:
    """Around a change of ``report`` in a service: its cells follow what the block changed (the stored
    placement is read, and the row locked, first)."""
    before = stored_placement(report.pk)
    yield
    report_changed(before=before, after=placement_of(report))
