# ruff: noqa: S608 - the SQL here is built from constants and model metadata, never from input
"""One database's benchmark, run by ``bench.run`` in a child process whose environment picks the database.

    python -m bench.scenario <spatialite|postgis> <size> <runs> <results.json>

Loads ``size`` reports with one INSERT … SELECT per batch generated inside the database (no Python rows),
then times the reports module's own selectors: the clustered GeoJSON map (city-wide and street level), the
duplicate-nearby check, and the Open311 ``GET requests.json`` endpoint.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# The fictional city: a 12 km x 10 km box around (0.98 E, 47.40 N), denser in its centre.
CENTRE_LON, CENTRE_LAT = 0.98, 47.40
HALF_WIDTH, HALF_HEIGHT = 0.080, 0.045  # degrees: ~12 km x 10 km at this latitude
CATEGORIES = 8
BATCH = 100_000


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def _field_default_sql(field: Any, vendor: str) -> str:
    from django.db.models import NOT_PROVIDED

    if field.null:
        return "NULL"
    default = field.default
    if default is NOT_PROVIDED or callable(default):
        if field.get_internal_type() in ("CharField", "TextField", "EmailField", "SlugField", "URLField"):
            return "''"
        raise RuntimeError(
            f"bench: no SQL value for {field.model.__name__}.{field.name}; add it to the loader"
        )
    if isinstance(default, bool):
        return ("TRUE" if default else "FALSE") if vendor == "postgresql" else ("1" if default else "0")
    if isinstance(default, int | float):
        return str(default)
    return "'" + str(default).replace("'", "''") + "'"


def _report_columns(
    vendor: str, org_id: int, component_id: int, category_ids: list[int]
) -> tuple[list[str], list[str]]:
    """(columns, SQL expressions over a row source ``s(i, x, y, r1, r2, r3)``) for every Report column."""
    from parlons.modules.reports.models import Report

    pg = vendor == "postgresql"
    k = len(category_ids)
    if pg:
        category = f"(ARRAY[{','.join(map(str, category_ids))}])[1 + floor(s.r1 * {k})::int]"
        created = "now() - (s.r2 * interval '730 days')"
        public_id = "'b' || lpad(to_hex(s.i), 11, '0')"
        point = "ST_SetSRID(ST_MakePoint(s.x, s.y), 4326)"
    else:
        category = (
            f"CASE CAST(s.r1 * {k} AS INTEGER) "
            + " ".join(f"WHEN {n} THEN {cid}" for n, cid in enumerate(category_ids))
            + f" ELSE {category_ids[0]} END"
        )
        created = (
            "strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || CAST(s.r2 * 730 * 86400 AS INTEGER) || ' seconds')"
        )
        public_id = "printf('b%011x', s.i)"
        point = "MakePoint(s.x, s.y, 4326)"
    status = (
        "CASE WHEN s.r3 < 0.15 THEN 'received' WHEN s.r3 < 0.25 THEN 'acknowledged' "
        "WHEN s.r3 < 0.40 THEN 'in_progress' WHEN s.r3 < 0.85 THEN 'fixed' ELSE 'closed' END"
    )
    special = {
        "public_id": public_id,
        "created_at": created,
        "updated_at": created,
        "organisation": str(org_id),
        "component": str(component_id),
        "category": category,
        "point": point,
        "lon": "s.x",
        "lat": "s.y",
        "description": "'Nid-de-poule devant le numéro ' || s.i",
        "status": status,
    }
    columns, expressions = [], []
    for field in Report._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        expressions.append(special.get(field.name) or _field_default_sql(field, vendor))
    return columns, expressions


def load_reports(size: int, org_id: int, component_id: int, category_ids: list[int]) -> tuple[float, float]:
    """Insert ``size`` reports, generated inside the database in batches, then fill the map's cluster cells
    (``cells.rebuild``: one INSERT … SELECT … GROUP BY per grid level); returns (total seconds, cells seconds).
    """
    from django.db import connection, transaction

    from parlons.modules.reports.models import Report

    vendor = connection.vendor
    columns, expressions = _report_columns(vendor, org_id, component_id, category_ids)
    table = Report._meta.db_table
    started = time.monotonic()
    if vendor == "postgresql":
        rand = "random()"
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.42)")
    else:
        rand = "(random() / 18446744073709551616.0 + 0.5)"
        # A large page cache for the load only (index pages of a growing table); reset before timing.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -1000000")
    # Half the reports in the centre (a third of the box), half anywhere: a town is denser downtown.
    source = (
        f"SELECT i, {CENTRE_LON} + ({rand} - 0.5) * 2 * {HALF_WIDTH} * (CASE WHEN i % 2 = 0 THEN 0.33 ELSE 1 END) AS x, "
        f"{CENTRE_LAT} + ({rand} - 0.5) * 2 * {HALF_HEIGHT} * (CASE WHEN i % 2 = 0 THEN 0.33 ELSE 1 END) AS y, "
        f"{rand} AS r1, {rand} AS r2, {rand} AS r3 FROM series"
    )
    done = 0
    while done < size:
        count = min(BATCH, size - done)
        if vendor == "postgresql":
            series = f"WITH series(i) AS (SELECT generate_series({done + 1}, {done + count}))"
        else:
            series = (
                f"WITH RECURSIVE series(i) AS (SELECT {done + 1} UNION ALL SELECT i + 1 FROM series "
                f"WHERE i < {done + count})"
            )
        sql = (
            f"{series} INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(expressions)} FROM ({source}) AS s"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        done += count
        rate = done / max(time.monotonic() - started, 1e-6)
        say(f"  loaded {done:,}/{size:,} reports ({rate:,.0f}/s)")
    from parlons.modules.reports import cells

    cells_started = time.monotonic()
    written = cells.rebuild(component_ids=[component_id])
    cells_seconds = time.monotonic() - cells_started
    say(f"  map cells: {written:,} rows over {len(cells.CELL_LEVELS)} levels in {cells_seconds:.1f} s")
    with connection.cursor() as cursor:
        # VACUUM sets PostgreSQL's hint bits and visibility map, as autovacuum would on a live database;
        # without it the first reads of a freshly loaded table pay for writing them.
        cells_table = cells.ReportCell._meta.db_table
        if vendor == "postgresql":
            cursor.execute(f"VACUUM (ANALYZE) {table}, {cells_table}")
        else:
            cursor.execute("ANALYZE")
        if vendor != "postgresql":
            cursor.execute("PRAGMA cache_size = -2000")  # SQLite's default
    return time.monotonic() - started, cells_seconds


def setup_town() -> tuple[Any, Any, list[int]]:
    """The organisation, a public process with a published reports component, services and categories."""
    from django.utils import timezone

    from parlons.core.models import Component, Organisation, Process, Service
    from parlons.modules.reports.models import Category

    org = Organisation.objects.create(
        slug="banc-essai", name="Banc d'essai", host="bench.localhost", is_default=True
    )
    process = Process.objects.create(
        organisation=org,
        slug="signalements",
        title="Signalements",
        visibility=Process.Visibility.PUBLIC,
        published_at=timezone.now(),
    )
    component = Component.objects.create(
        process=process, module_key="reports", name="Signalements", published_at=timezone.now()
    )
    services = [
        Service.objects.create(organisation=org, slug=f"service-{n}", name=f"Service {n}") for n in range(3)
    ]
    ids = []
    for n in range(CATEGORIES):
        category = Category.objects.create(
            organisation=org, service=services[n % 3], slug=f"categorie-{n}", name=f"Catégorie {n}"
        )
        ids.append(category.pk)
    return org, component, ids


def plans(calls: dict[str, Any]) -> dict[str, str]:
    """The database's plan for every SQL statement each call runs (EXPLAIN ANALYZE on PostgreSQL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    found: dict[str, str] = {}
    for title, call in calls.items():
        with CaptureQueriesContext(connection) as captured:
            call()
        texts = []
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            prefix = (
                "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
            )
            with connection.cursor() as cursor:
                cursor.execute(prefix + sql)
                rows = cursor.fetchall()
            plan = "\n".join(str(r[0]) if len(r) == 1 else " | ".join(str(c) for c in r) for r in rows)
            texts.append(f"-- {query['time']} s: {sql[:600]}{'…' if len(sql) > 600 else ''}\n{plan}")
        found[title] = "\n\n".join(texts)
    return found


def main(database: str, size: int, runs: int, out: Path) -> None:
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.measure import Result, process_peak_rss_mb, time_calls
    from parlons.geo.geometry import BBox
    from parlons.modules.reports import selectors

    target = {"spatialite": 150.0, "postgis": 50.0}[database]
    say(f"{database}: migrating {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    org, component, category_ids = setup_town()
    say(f"{database}: loading {size:,} reports")
    load_seconds, cells_seconds = load_reports(size, org.pk, component.pk, category_ids)
    label = f"{size:,} reports"
    results = [
        Result(
            what=(
                "load reports (INSERT … SELECT in batches of 100,000; map cells: one INSERT … SELECT … "
                "GROUP BY per grid level; then ANALYZE)"
            ),
            database=database,
            size=label,
            runs=1,
            median_ms=load_seconds * 1000,
            p95_ms=load_seconds * 1000,
            peak_memory_mb=process_peak_rss_mb(),
        )
    ]
    rng = random.Random(42)

    def moved(half_w: float, half_h: float, spread: float) -> BBox:
        lon = CENTRE_LON + rng.uniform(-spread, spread) * HALF_WIDTH
        lat = CENTRE_LAT + rng.uniform(-spread, spread) * HALF_HEIGHT
        return BBox(lon - half_w, lat - half_h, lon + half_w, lat + half_h)

    def map_call(half_w: float, half_h: float, spread: float, zoom: int):
        def make(_i: int):
            filters = selectors.ReportFilters(bbox=moved(half_w, half_h, spread))
            return lambda: selectors.map_geojson(component=component, user=None, filters=filters, zoom=zoom)

        return make

    def nearby_call(_i: int):
        lon = CENTRE_LON + rng.uniform(-0.9, 0.9) * HALF_WIDTH
        lat = CENTRE_LAT + rng.uniform(-0.9, 0.9) * HALF_HEIGHT
        category_id = rng.choice(category_ids)
        return lambda: selectors.nearby_open_reports(
            component=component, category_id=category_id, lon=lon, lat=lat, radius_m=50
        )

    client = Client(HTTP_HOST="bench.localhost")

    def open311_call(_i: int):
        def call():
            response = client.get("/open311/v2/requests.json", {"page_size": 100, "page": rng.randint(1, 5)})
            assert response.status_code == 200, response.content[:300]

        return call

    scenarios = [
        (
            "map GeoJSON, city-wide view (zoom 13, clustered)",
            map_call(HALF_WIDTH, HALF_HEIGHT, 0.1, 13),
            "12 × 10 km",
        ),
        (
            "map GeoJSON, street-level view (zoom 17, markers up to 500, else finest cells + zoom in)",
            map_call(0.0027, 0.0011, 0.3, 17),
            "400 × 250 m",
        ),
        ("duplicate-nearby check (same category, open, 50 m)", nearby_call, ""),
    ]
    for what, make, note in scenarios:
        say(f"{database}: timing {what}")
        result = time_calls(what, database, label, make, runs=runs, target_ms=target, note=note)
        say(f"  median {result.median_ms:.1f} ms, p95 {result.p95_ms:.1f} ms")
        results.append(result)
    say(f"{database}: timing Open311 GET requests.json")
    result = time_calls(
        "Open311 GET requests.json (last 90 days, page_size 100)",
        database,
        label,
        open311_call,
        runs=max(10, runs // 5),
    )
    say(f"  median {result.median_ms:.1f} ms, p95 {result.p95_ms:.1f} ms")
    results.append(result)

    bbox_city = BBox(
        CENTRE_LON - HALF_WIDTH, CENTRE_LAT - HALF_HEIGHT, CENTRE_LON + HALF_WIDTH, CENTRE_LAT + HALF_HEIGHT
    )
    bbox_street = BBox(CENTRE_LON - 0.0027, CENTRE_LAT - 0.0011, CENTRE_LON + 0.0027, CENTRE_LAT + 0.0011)
    context = {
        "facts": {
            "database": f"{connection.vendor} {connection.Database.__name__}",
            "server": _server_version(connection),
            "reports": f"{size:,} in one component, {CATEGORIES} categories, 40 % open",
            "load": f"{load_seconds:.1f} s ({size / max(load_seconds, 1e-6):,.0f} reports/s)",
            "map cells": f"{cells_seconds:.1f} s of the load for {_cell_rows(component):,} rows "
            f"(grid levels 8–16: one INSERT … SELECT … GROUP BY each)",
            "features at city-wide view": len(
                selectors.map_geojson(
                    component=component, user=None, filters=selectors.ReportFilters(bbox=bbox_city), zoom=13
                )["features"]
            ),
            "features at street-level view": len(
                selectors.map_geojson(
                    component=component, user=None, filters=selectors.ReportFilters(bbox=bbox_street), zoom=17
                )["features"]
            ),
        },
        "plans": plans(
            {
                "map, city-wide": lambda: selectors.map_geojson(
                    component=component, user=None, filters=selectors.ReportFilters(bbox=bbox_city), zoom=13
                ),
                "map, street level": lambda: selectors.map_geojson(
                    component=component, user=None, filters=selectors.ReportFilters(bbox=bbox_street), zoom=17
                ),
                "duplicate-nearby": lambda: selectors.nearby_open_reports(
                    component=component,
                    category_id=category_ids[0],
                    lon=CENTRE_LON,
                    lat=CENTRE_LAT,
                    radius_m=50,
                ),
            }
        ),
    }
    out.write_text(json.dumps({"results": [r.as_dict() for r in results], "context": context}))


def _cell_rows(component: Any) -> int:
    from parlons.modules.reports.models import ReportCell

    return ReportCell.objects.filter(component=component).count()


def _server_version(connection: Any) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version(), postgis_lib_version()")
            version, postgis = cursor.fetchone()
            return f"{version.split(' on ')[0]}, PostGIS {postgis}"
        cursor.execute("SELECT sqlite_version(), spatialite_version()")
        sqlite, spatialite = cursor.fetchone()
        return f"SQLite {sqlite}, SpatiaLite {spatialite}"


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
