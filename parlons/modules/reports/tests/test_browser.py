"""Reporting on a phone in headless Chromium, and axe-core scans (WCAG 2.2 A/AA) of the module's pages."""

from __future__ import annotations

import pytest

from parlons.modules.reports.tests.conftest import jpeg
from tests.browser.fixtures import axe_violations, demo_component, describe, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CITIZEN = "citoyen@valmont.demo"
AGENT = "voirie@valmont.demo"
CENTRE = {"latitude": 47.4003, "longitude": 0.9806}


def _component():
    return demo_component("reports")


def _component_url():
    component = _component()
    return f"/processes/{component.process.slug}/reports/{component.pk}/"


def test_report_a_problem_on_a_phone(site, browser, tmp_path):
    from parlons.modules.reports.models import Report

    photo = tmp_path / "trou.jpg"
    photo.write_bytes(jpeg("gray", size=(1600, 1200)))
    phone = browser.new_context(
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        locale="fr-FR",
        geolocation=CENTRE,
        permissions=["geolocation"],
    )
    try:
        login(phone, site, CITIZEN)
        page = phone.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        base = site.url + _component_url()
        before = Report.objects.count()
        page.goto(base + "new/")
        page.get_by_role("button", name="Utiliser ma position").or_(
            page.locator("#use-position")
        ).first.click()
        page.wait_for_function("() => document.getElementById('id_lat').value !== ''")
        page.fill("#id_description", "Un nid-de-poule profond au milieu de la rue, dangereux pour les vélos.")
        page.select_option("#id_category", label="Nid-de-poule")
        page.set_input_files("#id_photos", str(photo))
        width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, f"the form scrolls sideways at 360px: {width}px"
        page.locator("#report-form button[type=submit]:not([formaction])").last.click()
        page.wait_for_load_state()
        if page.url.endswith("/new/"):  # similar reports nearby were shown: send anyway, as a person would
            page.set_input_files("#id_photos", str(photo))
            page.locator("#report-form button[type=submit]:not([formaction])").last.click()
            page.wait_for_load_state()
        assert Report.objects.count() == before + 1
        report = Report.objects.order_by("-id").first()
        assert page.url.rstrip("/").endswith(report.public_id), page.url
        assert report.photos.count() == 1 and abs(report.lat - CENTRE["latitude"]) < 1e-4
        assert page.locator(".report-status").first.inner_text()
        width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, f"the report page scrolls sideways at 360px: {width}px"
        assert not errors, errors
    finally:
        phone.close()


def test_reports_pages_have_no_wcag_violations(site, context, page):
    from parlons.modules.reports.models import Report

    base = site.url + _component_url()
    report = Report.objects.filter(component=_component(), is_private=False).order_by("-id").first()
    report_path = f"{report.public_id}/"
    found = []
    login(context, site, CITIZEN)
    for path in ("", "new/", report_path):
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        page.wait_for_timeout(300)  # the map's markers and list, drawn after the page's load
        if violations := axe_violations(page):
            found.append(describe(path or "map", violations))
    context.clear_cookies()
    login(context, site, AGENT)
    for path in ("queue/", report_path):
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        if violations := axe_violations(page):
            found.append(describe(f"{path} (agent)", violations))
    assert not found, "\n\n".join(found)


# A 1×1 transparent PNG: the tiles answered locally, so that no network is used.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


def test_map_tiles_are_not_blocked_by_the_csp(site, page):
    """The default tiles (tile.openstreetmap.org) load under the site's Content-Security-Policy."""
    tiles = []

    def fulfil(route):
        tiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=TINY_PNG)

    page.route("https://tile.openstreetmap.org/**", fulfil)
    page.route("https://*.tile.openstreetmap.org/**", fulfil)
    page.route("https://data.geopf.fr/**", fulfil)
    blocked = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None,
    )
    for path in (_component_url(), "/map/"):
        response = page.goto(site.url + path)
        assert response is not None and response.status == 200, path
        page.wait_for_function("() => document.querySelectorAll('img.leaflet-tile').length > 0")
        page.wait_for_timeout(300)
    assert tiles, "the maps asked for tiles"
    assert not blocked, blocked
