"""Map tiles: the hosts the CSP allows, the checked tile address, and the organisation's tiles with the
reports component's optional override."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from parlons.core.models import OSM_TILES, validate_tile_url
from parlons.modules.reports.settings import ReportsSettingsForm, settings_of

pytestmark = pytest.mark.django_db

GEOPF = "https://data.geopf.fr/wmts?layer=PLAN&TileMatrix={z}&TileCol={x}&TileRow={y}"


def _form(**overrides):
    data = {"duplicate_radius_m": 50, "satisfaction_delay_days": 28, "max_photos": 5, **overrides}
    return ReportsSettingsForm(data=data)


def test_the_default_tiles_are_allowed_by_the_csp():
    img_src = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
    assert "https://tile.openstreetmap.org" in img_src
    assert "https://*.tile.openstreetmap.org" in img_src and "https://data.geopf.fr" in img_src
    validate_tile_url(OSM_TILES)
    validate_tile_url("https://a.tile.openstreetmap.org/{z}/{x}/{y}.png")
    validate_tile_url(GEOPF)


def test_tiles_from_another_host_are_refused_with_a_clear_message():
    form = _form(tile_url="https://tiles.example.com/{z}/{x}/{y}.png")
    assert not form.is_valid()
    message = form.errors["tile_url"][0]
    assert "tiles.example.com" in message and "security policy" in message
    for url in (
        "https://evil.tile.openstreetmap.org.example.com/{z}/{x}/{y}.png",
        "http://tile.openstreetmap.org/{z}/{x}/{y}.png",
    ):
        with pytest.raises(ValidationError):
            validate_tile_url(url)
    assert _form(tile_url=GEOPF).is_valid()
    assert _form(tile_url="").is_valid(), "empty: the organisation's tiles"


def test_the_allowed_hosts_follow_the_setting(settings):
    settings.PARLONS_TILE_HOSTS = ["tiles.example.com"]
    assert _form(tile_url="https://tiles.example.com/{z}/{x}/{y}.png").is_valid()
    assert not _form(tile_url=OSM_TILES).is_valid()


def test_organisation_tiles_are_validated(org):
    org.tile_url = "https://tiles.example.com/{z}/{x}/{y}.png"
    with pytest.raises(ValidationError) as error:
        org.full_clean()
    assert "tile_url" in error.value.message_dict


def test_maps_use_the_organisation_tiles_unless_the_component_overrides_them(component, org, client_for):
    org.tile_url, org.tile_attribution = GEOPF, "© IGN Géoplateforme"
    org.save()
    component.refresh_from_db()
    conf = settings_of(component)
    assert (conf.tile_url, conf.tile_attribution) == (GEOPF, "© IGN Géoplateforme")
    index = reverse(
        "reports:index", kwargs={"process_slug": component.process.slug, "component_id": component.pk}
    )
    body = client_for().get(index).content.decode()
    assert 'data-tiles="https://data.geopf.fr/wmts?' in body and "© IGN Géoplateforme" in body

    combined = client_for().get(reverse("core:map")).content.decode()
    data = json.loads(
        combined.split('id="combined-map-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["tiles"] == GEOPF and data["attribution"] == "© IGN Géoplateforme"

    component.settings = {**(component.settings or {}), "tile_url": OSM_TILES, "tile_attribution": "OSM"}
    component.save()
    assert settings_of(component).tile_url == OSM_TILES
    body = client_for().get(index).content.decode()
    assert f'data-tiles="{OSM_TILES}"' in body and 'data-attribution="OSM"' in body
