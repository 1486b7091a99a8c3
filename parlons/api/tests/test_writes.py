import pytest
from django import forms

from parlons.core import registry
from parlons.core.models import Component, Phase, Process
from parlons.core.tests.factories import (
    AreaFactory,
    ComponentFactory,
    PhaseFactory,
    ProcessFactory,
    ServiceFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


class StrictSettings(forms.Form):
    seats = forms.IntegerField(min_value=1, initial=3)


@pytest.fixture
def strict_module():
    """A module whose settings can be invalid, registered only for the test."""
    manifest = registry.register(
        registry.ModuleManifest(
            key="api-strict",
            name="Strict",
            description="",
            icon="",
            app_label="api",
            actions=(registry.Action(key="vote", label="Vote", default_level=1),),
            settings_form=StrictSettings,
            default_settings={"seats": 3},
        )
    )
    yield manifest
    registry._registry.pop(manifest.key, None)


def test_create_update_publish_a_process(api, org, admin_user):
    area = AreaFactory(organisation=org, slug="nord")
    TopicFactory(organisation=org, slug="velo")
    client = api(admin_user)
    response = client.post(
        "/processes",
        {"title": "Pistes cyclables", "area": "nord", "topics": ["velo"], "start_date": "2025-03-01"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "pistes-cyclables"
    assert body["visibility"] == "draft"
    assert body["area"] == "nord" and body["topics"] == ["velo"]
    assert api().get("/processes/pistes-cyclables").status_code == 404

    response = client.patch("/processes/pistes-cyclables", {"subtitle": "Où rouler ?"})
    assert response.status_code == 200, response.content
    process = Process.objects.get(slug="pistes-cyclables")
    assert process.subtitle == "Où rouler ?"
    assert process.area == area  # kept: not sent
    assert list(process.topics.values_list("slug", flat=True)) == ["velo"]
    client.patch("/processes/pistes-cyclables", {"area": None, "topics": []})
    process.refresh_from_db()
    assert process.area is None and not process.topics.exists()

    response = client.post("/processes/pistes-cyclables/publish")
    assert response.status_code == 200, response.content
    assert response.json()["visibility"] == "public"
    assert response.json()["published_at"]
    assert api().get("/processes/pistes-cyclables").status_code == 200


def test_publish_as_pilot(api, org, admin_user, citizen):
    ServiceFactory(organisation=org, slug="voirie")
    process = ProcessFactory(organisation=org, slug="p", visibility=Process.Visibility.DRAFT)
    response = api(admin_user).post(
        "/processes/p/publish",
        {"visibility": "pilot", "pilot_service": "voirie", "pilot_user_emails": [citizen.email]},
    )
    assert response.status_code == 200, response.content
    process.refresh_from_db()
    assert process.visibility == "pilot" and process.pilot_service.slug == "voirie"
    assert api(citizen).get("/processes/p").status_code == 200


def test_failed_pilot_publication_changes_nothing(api, org, admin_user):
    process = ProcessFactory(organisation=org, slug="p", visibility=Process.Visibility.DRAFT)
    response = api(admin_user).post(
        "/processes/p/publish", {"visibility": "pilot", "pilot_user_emails": ["x@y.z"]}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "pilot_users"
    process.refresh_from_db()
    assert process.visibility == "draft"


def test_add_phases(api, org, admin_user):
    ProcessFactory(organisation=org, slug="p")
    client = api(admin_user)
    first = client.post("/processes/p/phases", {"title": "Idées", "is_current": True})
    assert first.status_code == 201, first.content
    second = client.post(
        "/processes/p/phases", {"title": "Vote", "start_date": "2025-01-02", "end_date": "2025-01-01"}
    )
    assert second.status_code == 422
    assert second.json()["field"] == "end_date"
    assert list(Phase.objects.values_list("title", "is_current")) == [("Idées", True)]
    assert first.json()["position"] == 1 and first.json()["is_current"] is True


def test_add_configure_and_publish_a_component(api, org, admin_user, citizen):
    process = ProcessFactory(organisation=org, slug="p")
    phase = PhaseFactory(process=process)
    client = api(admin_user)
    response = client.post(
        "/processes/p/components",
        {
            "module_key": "pages",
            "name": "À savoir",
            "settings": {"show_table_of_contents": False},
            "permissions": {"read": {"level": 0, "phases": [phase.pk]}},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["published"] is False
    assert body["settings"] == {"show_table_of_contents": False}
    assert body["permissions"] == {"read": {"enabled": True, "phases": [phase.pk], "level": 0}}
    component_id = body["id"]
    assert api(citizen).get("/processes/p/components").json()["count"] == 0
    assert api(citizen).patch(f"/components/{component_id}", {"name": "x"}).status_code == 403

    response = client.patch(f"/components/{component_id}", {"name": "Bon à savoir"})
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Bon à savoir"
    assert response.json()["settings"] == {"show_table_of_contents": False}  # untouched

    response = client.post(f"/components/{component_id}/publish")
    assert response.status_code == 200 and response.json()["published"] is True
    assert api(citizen).get("/processes/p/components").json()["count"] == 1
    response = client.post(f"/components/{component_id}/publish", {"published": False})
    assert response.json()["published"] is False


def test_invalid_component_leaves_nothing_behind(api, org, admin_user, strict_module):
    process = ProcessFactory(organisation=org, slug="p")
    other_phase = PhaseFactory(process=ProcessFactory(organisation=org))
    client = api(admin_user)
    cases = [
        ({"module_key": "api-strict", "settings": {"seats": 0}}, "settings"),
        ({"module_key": "api-strict", "settings": {"seats": "many"}}, "settings"),
        ({"module_key": "unknown"}, "module_key"),
        ({"module_key": "api-strict", "permissions": {"fly": {}}}, "permissions"),
        ({"module_key": "api-strict", "permissions": {"vote": {"phases": [other_phase.pk]}}}, "permissions"),
        ({"module_key": "api-strict", "permissions": {"vote": {"level": 7}}}, "permissions"),
    ]
    for payload, field in cases:
        response = client.post("/processes/p/components", payload)
        assert response.status_code == 422, (payload, response.content)
        assert response.json()["code"] == "validation_error"
        assert response.json()["field"] == field
    assert not Component.objects.filter(process=process).exists()
    ok = client.post("/processes/p/components", {"module_key": "api-strict", "settings": {"seats": 5}})
    assert ok.status_code == 201 and ok.json()["settings"] == {"seats": 5}


def test_invalid_configuration_changes_nothing(api, org, admin_user, strict_module):
    process = ProcessFactory(organisation=org, slug="p")
    component = ComponentFactory(process=process, module_key="api-strict", name="Vote", settings={"seats": 3})
    response = api(admin_user).patch(
        f"/components/{component.pk}", {"name": "Renommé", "settings": {"seats": -1}}
    )
    assert response.status_code == 422
    component.refresh_from_db()
    assert (component.name, component.settings) == ("Vote", {"seats": 3})


def test_writes_on_another_organisations_objects_are_404(api, org, other_org, admin_user):
    theirs = ProcessFactory(organisation=other_org, slug="theirs")
    component = ComponentFactory(process=theirs)
    client = api(admin_user)
    assert client.patch("/processes/theirs", {"title": "x"}).status_code == 404
    assert client.post("/processes/theirs/publish").status_code == 404
    assert client.post("/processes/theirs/phases", {"title": "x"}).status_code == 404
    assert client.post("/processes/theirs/components", {"module_key": "pages"}).status_code == 404
    assert client.patch(f"/components/{component.pk}", {"name": "x"}).status_code == 404
    assert client.post(f"/components/{component.pk}/publish").status_code == 404
    assert not theirs.phases.exists() and theirs.components.count() == 1
    component.refresh_from_db()
    assert component.name != "x"
