"""The whole path of a process through the back office, to the public home page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parlons.core.models import Component, Process
from parlons.core.tests.factories import MembershipFactory, UserFactory

from .images import png

pytestmark = pytest.mark.django_db


def _process_url(name: str, process: Process, **kwargs: int) -> str:
    return reverse(f"backoffice:{name}", kwargs={"process_id": process.pk, **kwargs})


def test_create_process_to_public_home_page(client_for, org, admin_user):
    client = client_for(admin_user)
    public = client_for()

    response = client.post(
        reverse("backoffice:process_create"),
        {
            "title": "Rénovation de la place du marché",
            "subtitle": "Donnez votre avis",
            "description": "La place sera refaite en 2026.",
            "start_date": "2025-03-01",
            "end_date": "2025-06-30",
            "image": png(),
            "image_alt": "La place du marché un jour de marché",
        },
    )
    process = Process.objects.get(organisation=org)
    assert response.status_code == 302
    assert response["Location"] == _process_url("process_detail", process)
    assert process.visibility == Process.Visibility.DRAFT
    assert process.image.name.startswith("processes/")
    assert "Rénovation" not in public.get("/").content.decode()

    for title in ("Information", "Vote"):
        response = client.post(
            _process_url("phase_create", process),
            {"title": title, "start_date": "2025-03-01", "end_date": ""},
        )
        assert response.status_code == 302
    information, vote = process.phases.order_by("position")
    client.post(_process_url("phase_move", process, phase_id=vote.pk), {"direction": "up"})
    assert [p.title for p in process.phases.order_by("position")] == ["Vote", "Information"]
    client.post(_process_url("phase_move", process, phase_id=vote.pk), {"direction": "down"})
    client.post(_process_url("phase_set_current", process, phase_id=information.pk))
    information.refresh_from_db()
    assert information.is_current

    response = client.post(_process_url("component_create", process), {"module_key": "pages", "name": ""})
    component = Component.objects.get(process=process)
    assert response["Location"] == _process_url("component_edit", process, component_id=component.pk)
    assert component.name  # the module name when left empty
    assert not component.is_published

    edit_url = _process_url("component_edit", process, component_id=component.pk)
    page = client.get(edit_url).content.decode()
    assert 'name="settings-show_table_of_contents"' in page
    assert "checked" in page.split('name="settings-show_table_of_contents"')[1].split(">")[0]

    assert client.post(edit_url, {"section": "name", "name-name": "À lire en premier"}).status_code == 302
    assert client.post(edit_url, {"section": "settings"}).status_code == 302  # checkbox left unticked
    response = client.post(
        edit_url,
        {
            "section": "permissions",
            "permissions-read__enabled": "on",
            "permissions-read__phases": [str(information.pk)],
            "permissions-read__level": "0",
        },
    )
    assert response.status_code == 302
    component.refresh_from_db()
    assert component.name == "À lire en premier"
    assert component.settings == {"show_table_of_contents": False}
    assert component.permissions == {"read": {"enabled": True, "phases": [information.pk], "level": 0}}
    # The matrix shows what was saved.
    page = client.get(edit_url).content.decode()
    assert f'value="{information.pk}" id="id_permissions-read__phases_0" checked' in page.replace("\n", "")

    client.post(_process_url("component_publish", process, component_id=component.pk), {"published": "1"})
    response = client.post(_process_url("process_visibility", process), {"visibility": "public"})
    assert response.status_code == 302
    process.refresh_from_db()
    component.refresh_from_db()
    assert component.is_published and process.visibility == Process.Visibility.PUBLIC

    home = public.get("/").content.decode()
    assert "Rénovation de la place du marché" in home
    assert "Information" in home  # the current phase, on the card

    detail = client.get(_process_url("process_detail", process)).content.decode()
    assert "À lire en premier" in detail and "Information" in detail and "Vote" in detail

    # Unpublish and delete the component, delete a phase.
    client.post(_process_url("component_publish", process, component_id=component.pk), {"published": "0"})
    component.refresh_from_db()
    assert not component.is_published
    assert client.get(_process_url("component_delete", process, component_id=component.pk)).status_code == 200
    client.post(_process_url("component_delete", process, component_id=component.pk))
    assert not Component.objects.filter(pk=component.pk).exists()
    client.post(_process_url("phase_delete", process, phase_id=vote.pk))
    assert [p.title for p in process.phases.all()] == ["Information"]


def test_phase_delete_closes_actions_open_only_in_it(client_for, org, admin_user):
    from parlons.core import services

    process = services.process_create(organisation=org, by=admin_user, title="P")
    only = services.phase_create(process=process, by=admin_user, title="Only")
    other = services.phase_create(process=process, by=admin_user, title="Other")
    component = services.component_add(
        process=process,
        by=admin_user,
        module_key="pages",
        permissions={"read": {"enabled": True, "phases": [only.pk], "level": 0}},
    )
    client_for(admin_user).post(_process_url("phase_delete", process, phase_id=only.pk))
    component.refresh_from_db()
    assert component.permissions["read"] == {"enabled": False, "phases": [], "level": 0}
    other.refresh_from_db()
    assert other.position == 1


def test_pilot_visibility(client_for, org, admin_user, agent, citizen):
    from parlons.core import services

    process = services.process_create(organisation=org, by=admin_user, title="Pilote propreté")
    service_id = agent.memberships.get(organisation=org).service_id
    response = client_for(admin_user).post(
        _process_url("process_visibility", process),
        {"visibility": "pilot", "pilot_service": str(service_id), "pilot_users": ""},
    )
    assert response.status_code == 302
    process.refresh_from_db()
    assert process.visibility == Process.Visibility.PILOT and process.pilot_service_id == service_id

    assert "Pilote propreté" in client_for(agent).get("/").content.decode()
    assert "Pilote propreté" not in client_for(citizen).get("/").content.decode()
    assert "Pilote propreté" not in client_for().get("/").content.decode()

    # Listed by e-mail, a citizen is let in too.
    listed = MembershipFactory(organisation=org, user=UserFactory(email="testeuse@example.test")).user
    client_for(admin_user).post(
        _process_url("process_visibility", process),
        {"visibility": "pilot", "pilot_service": "", "pilot_users": "testeuse@example.test"},
    )
    assert "Pilote propreté" in client_for(listed).get("/").content.decode()
    assert "Pilote propreté" not in client_for(citizen).get("/").content.decode()


def test_pilot_needs_known_emails(client_for, org, admin_user):
    from parlons.core import services

    process = services.process_create(organisation=org, by=admin_user, title="P")
    response = client_for(admin_user).post(
        _process_url("process_visibility", process),
        {"visibility": "pilot", "pilot_service": "", "pilot_users": "nobody@example.test"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_pilot_users_error"' in page and "nobody@example.test" in page
    process.refresh_from_db()
    assert process.visibility == Process.Visibility.DRAFT


def test_process_edit_with_image_and_topics(client_for, org, admin_user):
    from parlons.core import services
    from parlons.core.tests.factories import AreaFactory, TopicFactory

    area, topic = AreaFactory(organisation=org), TopicFactory(organisation=org)
    process = services.process_create(organisation=org, by=admin_user, title="P")
    url = _process_url("process_edit", process)
    response = client_for(admin_user).post(
        url,
        {
            "title": "P2",
            "area": str(area.pk),
            "topics": [str(topic.pk)],
            "image": png(),
            "image_alt": "Un parc",
        },
    )
    assert response.status_code == 302
    process.refresh_from_db()
    assert (process.title, process.area, list(process.topics.all()), process.image_alt) == (
        "P2",
        area,
        [topic],
        "Un parc",
    )
    assert process.image
    # Keeping the image without its description is refused; removing it clears both.
    response = client_for(admin_user).post(url, {"title": "P2", "image_alt": ""})
    assert 'id="id_image_alt_error"' in response.content.decode()
    client_for(admin_user).post(url, {"title": "P2", "remove_image": "on"})
    process.refresh_from_db()
    assert not process.image and process.image_alt == ""


def test_component_order(client_for, org, admin_user):
    from parlons.core import services

    process = services.process_create(organisation=org, by=admin_user, title="P")
    first = services.component_add(process=process, by=admin_user, module_key="pages", name="A")
    second = services.component_add(process=process, by=admin_user, module_key="pages", name="B")
    client_for(admin_user).post(
        _process_url("component_move", process, component_id=second.pk), {"direction": "up"}
    )
    assert [c.name for c in process.components.order_by("weight", "id")] == ["B", "A"]
    assert first.pk
