"""No page, API call or selector ever shows one organisation's data to another.

Every model holding an organisation's data derives from TenantModel and has a builder in its app's
``tests/factories.py`` (``TENANT_BUILDERS``); this test fails for any tenant model that lacks one.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from parlons.common.tenancy import TenantModel

# Models that are global by nature: the tenant itself, and platform-wide accounts (their per-organisation
# data lives in Membership, which is a tenant model).
GLOBAL_MODELS = {"core.Organisation", "accounts.User"}


def _parlons_models():
    return [m for m in apps.get_models() if m.__module__.startswith("parlons.")]


def _builders():
    builders = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("parlons."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.factories")
        except ModuleNotFoundError:
            continue
        builders.update(getattr(module, "TENANT_BUILDERS", {}))
    return builders


def test_every_parlons_model_is_tenant_scoped_or_declared_global():
    unscoped = [
        m._meta.label
        for m in _parlons_models()
        if not issubclass(m, TenantModel) and m._meta.label not in GLOBAL_MODELS
    ]
    assert unscoped == [], f"models with no tenant scope: {unscoped}"


def test_every_tenant_model_has_an_isolation_builder():
    builders = _builders()
    missing = [
        m._meta.label
        for m in _parlons_models()
        if issubclass(m, TenantModel) and m._meta.label not in builders
    ]
    assert missing == [], f"add TENANT_BUILDERS entries in the app's tests/factories.py for: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(_builders()))
def test_selectors_scope_never_leak(label, org, other_org):
    builder = _builders()[label]
    model = apps.get_model(label)
    mine = builder(org)
    theirs = builder(other_org)
    assert mine.tenant_id() == org.pk
    assert theirs.tenant_id() == other_org.pk
    visible = set(model.objects.for_organisation(org).values_list("pk", flat=True))
    assert mine.pk in visible
    assert theirs.pk not in visible


@pytest.mark.django_db
@pytest.mark.parametrize(
    "label", sorted(x for x in _builders() if hasattr(apps.get_model(x), "get_absolute_url"))
)
def test_pages_of_another_organisation_answer_404(label, org, other_org, client_for):
    theirs = _builders()[label](other_org)
    url = theirs.get_absolute_url()
    own_host = client_for(organisation=other_org).get(url)
    assert own_host.status_code in (200, 302), f"{label} page should exist on its own host"
    assert client_for(organisation=org).get(url).status_code == 404


@pytest.mark.django_db
def test_home_page_shows_only_own_processes(org, other_org, client_for):
    from parlons.core.tests.factories import PhaseFactory, ProcessFactory

    mine = ProcessFactory(organisation=org, title="Notre place du marché")
    theirs = ProcessFactory(organisation=other_org, title="Leur piscine municipale")
    PhaseFactory(process=mine, is_current=True)
    PhaseFactory(process=theirs, is_current=True)
    body = client_for().get("/").content.decode()
    assert "Notre place du marché" in body
    assert "Leur piscine municipale" not in body
    body = client_for(organisation=other_org).get("/").content.decode()
    assert "Leur piscine municipale" in body
    assert "Notre place du marché" not in body
