"""One conformance test over every registered participation module (the module contract)."""

from __future__ import annotations

import numbers
from datetime import datetime

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from parlons.core import registry
from parlons.core.services import component_add, component_publish, phase_create, process_create

MODULES = [m.key for m in registry.all_modules()]


def test_at_least_one_module_is_registered():
    assert "pages" in MODULES


def _assert_analysis_text(item):
    """A text for analysis: an ``AnalysisText`` with a real date (timezone-aware) and a district name or
    None, or the older plain ``(id, text, lang)`` tuple."""
    if isinstance(item, tuple):
        ident, text, lang = item
    else:
        assert isinstance(item, registry.AnalysisText), f"{item!r} is not an AnalysisText"
        ident, text, lang = item.id, item.text, item.lang
        assert item.created is None or (
            isinstance(item.created, datetime) and timezone.is_aware(item.created)
        ), "a contribution's date is timezone-aware"
        assert item.area is None or (isinstance(item.area, str) and item.area), "a district is a name"
    assert isinstance(ident, str) and isinstance(text, str) and (lang is None or isinstance(lang, str))


@pytest.fixture
def component_of(org):
    def make(key):
        process = process_create(organisation=org, by=None, title=f"Processus {key}")
        phase_create(process=process, by=None, title="Phase 1", is_current=True)
        component = component_add(process=process, by=None, module_key=key)
        return component_publish(component=component, by=None)

    return make


@pytest.mark.parametrize("key", MODULES)
def test_manifest_is_complete(key):
    manifest = registry.get(key)
    assert manifest is not None
    assert apps.is_installed(f"parlons.modules.{manifest.app_label}") or apps.get_app_config(
        manifest.app_label
    )
    assert manifest.purpose in registry.PURPOSES, f"purpose must be one of {registry.PURPOSES}"
    assert manifest.actions, "a module declares at least one action"
    for action in manifest.actions:
        assert action.key in manifest.permissions, f"action {action.key} has no permission predicate"
        assert callable(manifest.permissions[action.key])
        assert str(action.label)
        assert action.default_level in (0, 1, 2, 3)


@pytest.mark.parametrize("key", MODULES)
def test_default_settings_validate(key):
    manifest = registry.get(key)
    if manifest.settings_form is not None:
        form = manifest.settings_form(data=dict(manifest.default_settings))
        assert form.is_valid(), form.errors


@pytest.mark.django_db
@pytest.mark.parametrize("key", MODULES)
def test_stats_seed_texts_urls_and_delete_guard(key, component_of):
    manifest = registry.get(key)
    component = component_of(key)
    if manifest.stats:
        stats = manifest.stats(component)
        assert stats and all(isinstance(v, numbers.Number) for v in stats.values())
        assert all(v == 0 for v in stats.values()), "an empty component has zero of everything"
    assert manifest.seed is not None, "every module provides demo content"
    manifest.seed(component)
    after_first = manifest.stats(component) if manifest.stats else None
    manifest.seed(component)
    assert (manifest.stats(component) if manifest.stats else None) == after_first, "seeding is idempotent"
    if manifest.texts_for_analysis:
        for item in manifest.texts_for_analysis(component):
            _assert_analysis_text(item)
    if manifest.urls:
        url = reverse(
            f"{key}:{manifest.index_url_name}",
            kwargs={"process_slug": component.process.slug, "component_id": component.pk},
        )
        assert url.startswith(f"/processes/{component.process.slug}/")
    if manifest.delete_guard:
        reason = manifest.delete_guard(component)
        assert reason is None or str(reason)


@pytest.mark.django_db
@pytest.mark.parametrize("key", [m.key for m in registry.all_modules() if m.urls])
def test_component_page_answers_on_its_host(key, component_of, client_for):
    component = component_of(key)
    component.process.visibility = "public"
    component.process.save()
    manifest = registry.get(key)
    manifest.seed(component)
    response = client_for().get(component.get_absolute_url(), follow=True)
    assert response.status_code == 200
    assert component.name in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("key", [m.key for m in registry.all_modules() if any(a.staff for a in m.actions)])
def test_staff_actions_are_not_offered_to_participants(key, component_of, client_for, citizen):
    component = component_of(key)
    process = component.process
    process.visibility = "public"
    process.save()
    manifest = registry.get(key)
    for page in ("/", process.get_absolute_url()):
        body = client_for(citizen).get(page).content.decode()
        for action in manifest.actions:
            if action.staff:
                assert str(action.label) not in body
            else:
                assert str(action.label) in body
