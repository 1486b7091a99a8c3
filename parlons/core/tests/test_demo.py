"""``parlons demo``: a realistic town, loaded twice without any change."""

from __future__ import annotations

import io
from itertools import combinations

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from parlons.accounts.models import Membership, Role
from parlons.core import registry
from parlons.core.management.commands.demo import CITIZEN_COUNT, DEMO_LOGINS, DEMO_PASSWORD, OPERATOR_EMAIL
from parlons.core.models import Area, Component, Organisation, Phase, Process, Service, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The demo sets real passwords; a fast hasher keeps the test quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _counts() -> dict[str, int]:
    """Rows of every model of ours: the second load must not add, nor remove, any."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label
        in {"core", "accounts", "account", *[m.app_label for m in registry.all_modules()]}
    }


def _snapshot() -> dict[str, object]:
    return {
        "processes": sorted(Process.objects.values_list("slug", "title", "visibility", "published_at")),
        "phases": sorted(Phase.objects.values_list("process__slug", "title", "start_date", "is_current")),
        "components": sorted(Component.objects.values_list("process__slug", "module_key", "published_at")),
        "org": list(Organisation.objects.values_list("slug", "logo", "primary_colour", "description")),
        "passwords": sorted(Membership.objects.values_list("user__email", "user__password", "role")),
    }


def test_demo_is_idempotent_and_complete():
    out = io.StringIO()
    call_command("demo", stdout=out)
    first_counts, first = _counts(), _snapshot()
    call_command("demo", stdout=io.StringIO())
    assert _counts() == first_counts
    assert _snapshot() == first

    output = out.getvalue()
    assert DEMO_PASSWORD in output
    for email, *_rest in DEMO_LOGINS:
        assert email in output

    org = Organisation.objects.get()
    assert org.is_default and org.logo and org.logo_alt
    assert Area.objects.filter(organisation=org).count() == 6
    assert Service.objects.filter(organisation=org).count() == 5
    assert set(Service.objects.values_list("slug", flat=True)) >= {
        "voirie",
        "proprete",
        "eclairage-public",
        "espaces-verts",
        "urbanisme",
    }
    assert all(e.endswith("@mairie-valmont.fr") for e in Service.objects.values_list("email", flat=True))
    assert Topic.objects.filter(organisation=org).count() == 8
    assert Membership.objects.filter(organisation=org, role=Role.CITIZEN).count() >= CITIZEN_COUNT + 1

    processes = list(Process.objects.filter(organisation=org))
    assert len(processes) == 3
    placed: set[str] = set()
    for process in processes:
        phases = list(process.phases.all())
        assert 3 <= len(phases) <= 4
        assert sum(p.is_current for p in phases) == 1
        assert all(p.start_date and p.end_date for p in phases)
        assert process.visibility == Process.Visibility.PUBLIC
        # Each process holds the modules serving its purposes, all published; the information pages are everywhere.
        keys = set(process.components.filter(published_at__isnull=False).values_list("module_key", flat=True))
        assert process.components.filter(published_at__isnull=True).count() == 0
        assert "pages" in keys and len(keys) >= 2
        placed |= keys
    # Every registered module shows demo content somewhere.
    assert placed == {m.key for m in registry.all_modules()}
    # The pages module's own seed ran (read through the app registry: the core never imports a module).
    assert apps.get_model("pages", "Page").objects.count() >= 3


def test_districts_tile_the_town_without_overlapping():
    call_command("demo", verbosity=0)
    areas = list(Area.objects.all())
    assert len(areas) == 6
    for area in areas:
        assert area.geometry is not None and area.geometry.geom_type == "MultiPolygon"
        assert area.geometry.valid, area.geometry.valid_reason
        assert area.geometry.area > 0
    for a, b in combinations(areas, 2):
        # Neighbours share borders: their intersection has no area.
        assert a.geometry.intersection(b.geometry).area < 1e-12, (a.name, b.name)
    town = areas[0].geometry
    for area in areas[1:]:
        town = town.union(area.geometry)
    assert town.valid and town.num_geom == 1  # one piece, no hole
    assert town.contains(Organisation.objects.get().centre)


def test_every_role_can_sign_in():
    call_command("demo", verbosity=0)
    org = Organisation.objects.get()
    for email, role, service_slug, _name, _what in DEMO_LOGINS:
        membership = Membership.objects.select_related("service").get(user__email=email, organisation=org)
        assert membership.role == role
        if service_slug:
            assert membership.service.slug == service_slug
        assert Client().login(email=email, password=DEMO_PASSWORD), email
    citizen = Membership.objects.get(user__email="citoyen@valmont.demo", organisation=org)
    assert citizen.census_verified_at is not None
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.filter(email="citoyen@valmont.demo", verified=True).exists()
    assert Client().login(email=OPERATOR_EMAIL, password=DEMO_PASSWORD)


def test_home_page_shows_the_town_and_its_processes():
    call_command("demo", verbosity=0)
    response = Client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Valmont-sur-Loire" in html
    for title in ("Budget participatif 2027", "Réaménagement de la place du Marché", "Plan vélo 2026"):
        assert title in html


def test_first_start_loads_only_when_no_organisation_exists(django_assert_max_num_queries):
    Organisation.objects.create(slug="autre", name="Autre ville")
    with django_assert_max_num_queries(1):
        call_command("demo", "--first-start", verbosity=0)
    assert not Organisation.objects.filter(slug="valmont-sur-loire").exists()
