"""Bad input: the error is shown next to its field and in the summary, and nothing changes."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parlons.core.models import Area, Organisation, Phase, Process
from parlons.core.services import contrast_ratio
from parlons.core.tests.factories import AreaFactory, PhaseFactory, ProcessFactory

from .images import fake_image, png

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[2.0, 48.0], [2.01, 48.0], [2.01, 48.01], [2.0, 48.01], [2.0, 48.0]]],
}


def _shows_error(response, field: str) -> str:
    page = response.content.decode()
    assert response.status_code in (200, 400)
    assert 'class="error-summary"' in page
    assert f'href="#id_{field}' in page  # the summary links to the field
    assert f'id="id_{field}_error"' in page
    assert (
        f'aria-describedby="id_{field}_error' in page
        or f'aria-describedby="id_{field}_helptext id_{field}_error' in page
    )
    return page


def test_process_end_before_start(client_for, org, admin_user):
    response = client_for(admin_user).post(
        reverse("backoffice:process_create"),
        {"title": "T", "start_date": "2025-05-02", "end_date": "2025-05-01"},
    )
    _shows_error(response, "end_date")
    assert not Process.objects.exists()


def test_phase_end_before_start(client_for, org, admin_user):
    process = ProcessFactory(organisation=org)
    phase = PhaseFactory(process=process, title="Avant")
    url = reverse("backoffice:phase_edit", kwargs={"process_id": process.pk, "phase_id": phase.pk})
    response = client_for(admin_user).post(
        url, {"title": "Après", "start_date": "2025-05-02", "end_date": "2025-01-01"}
    )
    _shows_error(response, "end_date")
    phase.refresh_from_db()
    assert phase.title == "Avant" and phase.end_date is None
    assert Phase.objects.filter(process=process).count() == 1


def test_non_image_upload_is_refused(client_for, org, admin_user):
    response = client_for(admin_user).post(
        reverse("backoffice:process_create"), {"title": "T", "image": fake_image(), "image_alt": "x"}
    )
    page = _shows_error(response, "image")
    assert "not an image" in page
    assert not Process.objects.exists()


def test_image_needs_a_description(client_for, org, admin_user):
    response = client_for(admin_user).post(
        reverse("backoffice:process_create"), {"title": "T", "image": png()}
    )
    _shows_error(response, "image_alt")
    assert not Process.objects.exists()


def test_too_large_image_is_refused(client_for, org, admin_user, settings):
    from parlons.backoffice import forms

    big = png()
    big.size = forms.MAX_UPLOAD_BYTES + 1
    with pytest.raises(forms.ValidationError, match="too large"):
        forms.validate_image(big)


def _organisation_data(org: Organisation, **changes: str) -> dict:
    data = {
        "name": org.name,
        "description": "",
        "contact_email": "mairie@valmont.example.test",
        "primary_colour": "#1d4e89",
        "accent_colour": "#b34700",
        "default_language": "fr",
        "languages": ["fr", "en"],
    }
    return {**data, **changes}


def test_primary_colour_with_poor_contrast_is_refused(client_for, org, admin_user):
    response = client_for(admin_user).post(
        reverse("backoffice:organisation"),
        _organisation_data(org, name="Nouveau nom", primary_colour="#ffcc00"),
    )
    page = _shows_error(response, "primary_colour")
    assert "4.5:1" in page
    org.refresh_from_db()
    assert (org.name, org.primary_colour) == ("Valmont", "#1d4e89")


def test_organisation_settings_are_saved(client_for, org, admin_user):
    response = client_for(admin_user).post(
        reverse("backoffice:organisation"),
        _organisation_data(
            org,
            name="Ville de Valmont",
            primary_colour="#0B3D91",
            logo=png("logo.png"),
            logo_alt="Blason de Valmont",
            languages=["fr"],
        ),
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.primary_colour, org.languages, org.logo_alt) == (
        "Ville de Valmont",
        "#0b3d91",
        ["fr"],
        "Blason de Valmont",
    )
    assert org.logo.name.startswith("organisations/logos/")


def test_organisation_rejects_fake_logo_and_bad_language(client_for, org, french_org, admin_user):
    client = client_for(admin_user)
    _shows_error(
        client.post(
            reverse("backoffice:organisation"), _organisation_data(org, logo=fake_image(), logo_alt="x")
        ),
        "logo",
    )
    _shows_error(
        client.post(
            reverse("backoffice:organisation"),
            _organisation_data(org, default_language="en", languages=["fr"]),
        ),
        "default_language",
    )
    org.refresh_from_db()
    assert not org.logo and org.default_language == "fr"


def test_contrast_ratio_follows_wcag():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic AA grey
    assert contrast_ratio("#777777", "#ffffff") < 4.5


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ("{not json", "not JSON"),
        (json.dumps({"type": "Point", "coordinates": [2.0, 48.0]}), "Polygon or a MultiPolygon"),
        (
            json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [
                        [[652000, 6862000], [653000, 6862000], [653000, 6863000], [652000, 6862000]]
                    ],
                }
            ),
            "Lambert-93",
        ),
        (  # a bow tie: self-intersecting
            json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [[[2.0, 48.0], [2.01, 48.01], [2.01, 48.0], [2.0, 48.01], [2.0, 48.0]]],
                }
            ),
            "not a valid polygon",
        ),
        (json.dumps({"type": "Polygon", "coordinates": [[[2.0, 48.0], [2.01]]]}), "cannot be read"),
    ],
)
def test_invalid_geojson_is_refused(client_for, org, admin_user, geometry, message):
    response = client_for(admin_user).post(
        reverse("backoffice:area_create"), {"name": "Centre", "geometry": geometry}
    )
    page = _shows_error(response, "geometry")
    assert message in page
    assert not Area.objects.exists()


def test_geojson_file_and_text(client_for, org, admin_user):
    client = client_for(admin_user)
    feature = {"type": "Feature", "properties": {}, "geometry": SQUARE}
    upload = SimpleUploadedFile(
        "centre.geojson", json.dumps(feature).encode(), content_type="application/geo+json"
    )
    response = client.post(
        reverse("backoffice:area_create"), {"name": "Centre", "code": "C1", "geometry_file": upload}
    )
    assert response.status_code == 302
    area = Area.objects.get(organisation=org)
    assert area.slug == "centre" and area.geometry.geom_type == "MultiPolygon" and area.geometry.srid == 4326

    bad = SimpleUploadedFile("x.geojson", b"\xff\xfe\x00garbage", content_type="application/json")
    _shows_error(
        client.post(reverse("backoffice:area_create"), {"name": "Nord", "geometry_file": bad}),
        "geometry_file",
    )

    # Editing without new geometry keeps the boundary; the clear box removes it.
    url = reverse("backoffice:area_edit", kwargs={"pk": area.pk})
    client.post(url, {"name": "Centre-ville", "slug": "centre"})
    area.refresh_from_db()
    assert area.name == "Centre-ville" and area.geometry is not None
    client.post(url, {"name": "Centre-ville", "slug": "centre", "clear_geometry": "on"})
    area.refresh_from_db()
    assert area.geometry is None


def test_duplicate_slug_is_shown_on_the_field(client_for, org, admin_user):
    AreaFactory(organisation=org, slug="nord", name="Nord")
    response = client_for(admin_user).post(reverse("backoffice:area_create"), {"name": "Nord"})
    _shows_error(response, "slug")
    assert Area.objects.count() == 1
