from __future__ import annotations

import pytest

from parlons.core.tests.factories import OrganisationFactory, PhaseFactory, ProcessFactory

pytestmark = pytest.mark.django_db


def test_each_host_serves_its_own_town(org, other_org, client_for):
    assert "Valmont" in client_for().get("/").content.decode()
    body = client_for(organisation=other_org).get("/").content.decode()
    assert "Autreville" in body
    assert "Valmont" not in body


def test_unknown_host_gets_404_not_another_town_in_production_mode(org, settings, client):
    settings.PARLONS_ANY_HOST_DEFAULT_ORG = False
    response = client.get("/", HTTP_HOST="inconnue.example.test")
    assert response.status_code == 404
    assert "Valmont" not in response.content.decode()


def test_embedded_mode_serves_the_default_town_on_any_host(org, settings, client):
    settings.PARLONS_ANY_HOST_DEFAULT_ORG = True
    response = client.get("/", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    assert "Valmont" in response.content.decode()


def test_path_prefix_serves_another_town_and_links_keep_the_prefix(org, settings, client):
    settings.PARLONS_PATH_PREFIX_TENANTS = True
    other = OrganisationFactory(slug="bourg", name="Bourg-les-Prés", host=None)
    process = ProcessFactory(organisation=other, slug="parc", title="Le parc")
    PhaseFactory(process=process, is_current=True)
    response = client.get("/o/bourg/", HTTP_HOST="127.0.0.1")
    body = response.content.decode()
    assert "Bourg-les-Prés" in body
    assert 'href="/o/bourg/processes/parc/"' in body
    assert client.get("/o/bourg/processes/parc/", HTTP_HOST="127.0.0.1").status_code == 200
    assert client.get("/o/nowhere/", HTTP_HOST="127.0.0.1").status_code == 404
    # The prefix does not leak into the next request, which is for the default town.
    mine = ProcessFactory(organisation=org, slug="marche", title="Le marché")
    PhaseFactory(process=mine, is_current=True)
    body = client.get("/", HTTP_HOST="127.0.0.1").content.decode()
    assert 'href="/processes/marche/"' in body
    assert "/o/bourg/" not in body


def test_french_first_and_the_language_switch_persists(org, client_for):
    org.default_language = "fr"
    org.save()
    client = client_for()
    body = client.get("/").content.decode()
    assert '<html lang="fr">' in body
    assert "Aller au contenu principal" in body, "the French catalogue is compiled and used"
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body
    assert "Skip to main content" in body
    assert '<html lang="en">' in client.get("/processes/").content.decode()


def test_health_check(client):
    assert client.get("/healthz").json() == {"status": "ok"}
