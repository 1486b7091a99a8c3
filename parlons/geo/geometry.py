"""Geometry helpers shared by every module that places things on a map.

Pure functions on WGS84 longitude/latitude (EPSG:4326); GEOS objects only where a database field needs one.
Distances are computed on the sphere (haversine), which is exact enough (< 0.5 %) at the scale of a town.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.contrib.gis.geos import Point

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = 111_320.0
# Web-mercator tiles are 256 px; a cluster cell of ~64 px keeps markers readable at every zoom.
CLUSTER_CELL_PX = 64
MIN_ZOOM, MAX_ZOOM = 0, 22


class InvalidGeometry(ValueError):
    """A position or box that is not a valid WGS84 value."""


@dataclass(frozen=True)
class BBox:
    """A longitude/latitude box: west, south, east, north."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, raw: str) -> BBox:
        """Parse ``west,south,east,north`` (the order of GeoJSON and of Leaflet's ``toBBoxString``)."""
        try:
            west, south, east, north = (float(part) for part in raw.split(","))
        except ValueError as exc:
            raise InvalidGeometry("bbox must be four numbers: west,south,east,north") from exc
        for lon in (west, east):
            if not -180 <= lon <= 180:
                raise InvalidGeometry("longitude out of range")
        for lat in (south, north):
            if not -90 <= lat <= 90:
                raise InvalidGeometry("latitude out of range")
        if west > east or south > north:
            raise InvalidGeometry("bbox must be west,south,east,north with west <= east and south <= north")
        return cls(west, south, east, north)

    @staticmethod
    def around(lon: float, lat: float, radius_m: float) -> BBox:
        """The smallest box containing the circle of ``radius_m`` around a point."""
        dlat = radius_m / METRES_PER_DEGREE_LAT
        dlon = radius_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 1e-6))
        return BBox(lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def validate_lonlat(lon: float, lat: float) -> tuple[float, float]:
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidGeometry("position out of range")
    return float(lon), float(lat)


def point(lon: float, lat: float) -> Point:
    lon, lat = validate_lonlat(lon, lat)
    return Point(lon, lat, srid=4326)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def cluster_cell_degrees(zoom: int) -> float:
    """The side, in degrees of longitude, of a clustering cell at a web-map zoom level.

    At zoom z the world (360°) is 256·2^z pixels wide; a cell is CLUSTER_CELL_PX pixels. Cells are square
    in degrees, which at French latitudes makes them a little taller than wide on screen: harmless.
    """
    zoom = max(MIN_ZOOM, min(MAX_ZOOM, int(zoom)))
    return 360.0 * CLUSTER_CELL_PX / (256 * 2**zoom)
