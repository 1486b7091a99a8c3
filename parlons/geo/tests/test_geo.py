"""Geometry helpers and the geocoding adapter (never the internet in tests)."""

from __future__ import annotations

import json

import pytest

from parlons.geo import geocoding
from parlons.geo.geometry import BBox, InvalidGeometry, cluster_cell_degrees, distance_m, point


def test_bbox_parsing_and_circle():
    box = BBox.parse("0.9,47.3,1.1,47.5")
    assert (box.west, box.south, box.east, box.north) == (0.9, 47.3, 1.1, 47.5)
    for raw in ("", "1,2,3", "a,b,c,d", "1,50,0,40", "0,0,200,1"):
        with pytest.raises(InvalidGeometry):
            BBox.parse(raw)
    around = BBox.around(0.98, 47.4, 50)
    assert distance_m(0.98, 47.4, 0.98, around.north) == pytest.approx(50, rel=0.01)
    assert distance_m(0.98, 47.4, around.east, 47.4) == pytest.approx(50, rel=0.01)


def test_distance_and_point():
    # Paris Notre-Dame to the Eiffel Tower: about 4.2 km.
    assert distance_m(2.3499, 48.8530, 2.2945, 48.8584) == pytest.approx(4100, rel=0.05)
    assert point(0.98, 47.4).srid == 4326
    with pytest.raises(InvalidGeometry):
        point(200, 0)


def test_cluster_cells_halve_at_each_zoom():
    assert cluster_cell_degrees(10) == pytest.approx(2 * cluster_cell_degrees(11))
    assert cluster_cell_degrees(99) == cluster_cell_degrees(22)


def test_fake_geocoder_search_reverse_and_coordinates():
    fake = geocoding.FakeGeocoder()
    places = fake.search("place du marche valmont")
    assert places and places[0].label.startswith("Place du Marché")
    assert fake.reverse(places[0].lon, places[0].lat) == places[0].label
    assert fake.reverse(10.0, 10.0) is None
    typed = fake.search("47.4012, 0.9778")
    assert (typed[0].lat, typed[0].lon) == (47.4012, 0.9778)
    assert fake.search("zzzz introuvable") == []


def test_tests_never_use_the_network(settings):
    settings.PARLONS_GEOCODER = "geoplateforme"
    assert isinstance(geocoding.get_geocoder(), geocoding.FakeGeocoder)


def test_geoplateforme_client_reads_the_national_format(monkeypatch):
    """The response format of data.geopf.fr/geocodage (GeoJSON features with label and score)."""
    answer = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [2.347, 48.859]},
                "properties": {"label": "8 Boulevard du Palais 75001 Paris", "score": 0.97},
            }
        ],
    }
    seen = {}

    class Response:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, *args):
            return json.dumps(answer).encode()

    def fake_urlopen(request, timeout):
        seen["url"] = request.full_url
        return Response()

    monkeypatch.setattr(geocoding.urllib.request, "urlopen", fake_urlopen)
    client = geocoding.GeoplateformeGeocoder()
    places = client.search("8 bd du palais paris", near=(2.35, 48.85))
    assert places == [geocoding.Place("8 Boulevard du Palais 75001 Paris", 2.347, 48.859, 0.97)]
    assert seen["url"].startswith("https://data.geopf.fr/geocodage/search?q=8+bd+du+palais+paris")
    assert client.reverse(2.347, 48.859) == "8 Boulevard du Palais 75001 Paris"

    def broken(request, timeout):
        raise OSError("network down")

    monkeypatch.setattr(geocoding.urllib.request, "urlopen", broken)
    assert client.search("8 bd du palais paris") == []
