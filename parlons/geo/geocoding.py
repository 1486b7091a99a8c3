"""Turning an address into a position and back.

Production uses the French national service, the Géoplateforme (``data.geopf.fr/geocodage``, the former
Base Adresse Nationale API). Tests and the embedded mode use :class:`FakeGeocoder`, a small local gazetteer
(the streets of the fictional demo town, plus whatever a test registers), so nothing ever calls the internet
unless ``PARLONS_GEOCODER = "geoplateforme"`` says so.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

logger = logging.getLogger("parlons.geo")


@dataclass(frozen=True)
class Place:
    label: str
    lon: float
    lat: float
    score: float = 1.0


class Geocoder(Protocol):
    def search(
        self, query: str, *, near: tuple[float, float] | None = None, limit: int = 5
    ) -> list[Place]: ...

    def reverse(self, lon: float, lat: float) -> str | None: ...


_COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def parse_coordinates(query: str) -> Place | None:
    """``47.40, 0.98`` (latitude, longitude, as phones and maps copy them) typed in the address box."""
    match = _COORDINATES.match(query)
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Place(label=f"{lat:.6f}, {lon:.6f}", lon=lon, lat=lat)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


# Streets of Valmont-sur-Loire, the fictional demo town (centre 0.98 E, 47.40 N).
DEMO_GAZETTEER: tuple[Place, ...] = (
    Place("Place du Marché, 37530 Valmont-sur-Loire", 0.9800, 47.4000),
    Place("Rue Nationale, 37530 Valmont-sur-Loire", 0.9812, 47.4021),
    Place("Quai de la Loire, 37530 Valmont-sur-Loire", 0.9790, 47.3968),
    Place("Avenue de la Gare, 37530 Valmont-sur-Loire", 1.0020, 47.3930),
    Place("Rue des Tilleuls, 37530 Valmont-sur-Loire", 0.9605, 47.3895),
    Place("Rue Saint-Martin, 37530 Valmont-sur-Loire", 0.9560, 47.4080),
    Place("Chemin des Coteaux, 37530 Valmont-sur-Loire", 0.9830, 47.4190),
    Place("Boulevard des Rives, 37530 Valmont-sur-Loire", 1.0050, 47.4110),
    Place("Rue de l'Église, 37530 Valmont-sur-Loire", 0.9778, 47.4012),
    Place("Allée des Platanes, 37530 Valmont-sur-Loire", 0.9710, 47.3985),
)


class FakeGeocoder:
    """A local gazetteer: accent- and case-insensitive word matching, plus typed coordinates."""

    def __init__(self, places: tuple[Place, ...] = DEMO_GAZETTEER) -> None:
        self.places: list[Place] = list(places)

    def register(self, label: str, lon: float, lat: float) -> None:
        self.places.append(Place(label, lon, lat))

    def search(self, query: str, *, near: tuple[float, float] | None = None, limit: int = 5) -> list[Place]:
        coordinates = parse_coordinates(query)
        if coordinates:
            return [coordinates]
        words = [w for w in re.split(r"[\s,']+", _fold(query)) if len(w) > 1]
        if not words:
            return []
        scored = []
        for place in self.places:
            label = _fold(place.label)
            hits = sum(1 for w in words if w in label)
            if hits:
                scored.append(Place(place.label, place.lon, place.lat, round(hits / len(words), 3)))
        scored.sort(key=lambda p: -p.score)
        return [p for p in scored if p.score >= 0.5][:limit]

    def reverse(self, lon: float, lat: float) -> str | None:
        from parlons.geo.geometry import distance_m

        best = min(self.places, key=lambda p: distance_m(lon, lat, p.lon, p.lat), default=None)
        if best is None or distance_m(lon, lat, best.lon, best.lat) > 300:
            return None
        return best.label


class GeoplateformeGeocoder:
    """The French national geocoder (https://data.geopf.fr/geocodage), free and without key."""

    def __init__(self, base_url: str = "https://data.geopf.fr/geocodage", timeout: float = 4.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _get(self, path: str, params: dict[str, str]) -> dict:
        url = f"{self.base_url}/{path}?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(url, headers={"User-Agent": "Parlons"})  # noqa: S310 (fixed https URL)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.load(response)
        except (OSError, ValueError) as exc:
            # A geocoder outage must not break the report form: the map and typed coordinates still work.
            logger.warning("geocoding failed: %s", exc)
            return {}

    def search(self, query: str, *, near: tuple[float, float] | None = None, limit: int = 5) -> list[Place]:
        coordinates = parse_coordinates(query)
        if coordinates:
            return [coordinates]
        if len(query.strip()) < 3:
            return []
        params = {"q": query.strip()[:200], "limit": str(limit), "index": "address"}
        if near:
            params.update(lon=f"{near[0]:.6f}", lat=f"{near[1]:.6f}")
        data = self._get("search", params)
        places = []
        for feature in data.get("features", []):
            lon, lat = feature["geometry"]["coordinates"][:2]
            props = feature.get("properties", {})
            places.append(Place(props.get("label", ""), float(lon), float(lat), float(props.get("score", 0))))
        return places

    def reverse(self, lon: float, lat: float) -> str | None:
        data = self._get(
            "reverse", {"lon": f"{lon:.6f}", "lat": f"{lat:.6f}", "limit": "1", "index": "address"}
        )
        features = data.get("features") or []
        return features[0].get("properties", {}).get("label") if features else None


_fake = FakeGeocoder()


def get_geocoder() -> Geocoder:
    """The geocoder chosen by ``PARLONS_GEOCODER``: ``geoplateforme``, or ``fake`` (default outside production)."""
    default = "geoplateforme" if getattr(settings, "PRODUCTION", False) else "fake"
    choice = getattr(settings, "PARLONS_GEOCODER", "") or default
    if choice == "geoplateforme" and not getattr(settings, "TESTING", False):
        return GeoplateformeGeocoder(
            getattr(settings, "PARLONS_GEOCODER_URL", "https://data.geopf.fr/geocodage")
        )
    return _fake
