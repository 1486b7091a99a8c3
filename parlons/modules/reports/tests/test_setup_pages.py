"""The module's set-up pages: categories, routing rules, answer templates, Open311 keys (staff only)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parlons.modules.reports.models import AnswerTemplate, Category, CategoryRoute, Open311ApiKey
from parlons.modules.reports.open311.selectors import api_key_digest
from parlons.modules.reports.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def url(component, name):
    return reverse(
        f"reports:{name}", kwargs={"process_slug": component.process.slug, "component_id": component.pk}
    )


PAGES = ("setup_categories", "setup_routes", "setup_templates", "setup_api_keys")


def test_who_sees_which_page(component, citizen, agent, moderator, admin_user, client_for):
    for name in PAGES:
        assert client_for().get(url(component, name)).status_code == 302
        assert client_for(citizen).get(url(component, name)).status_code == 404
        assert client_for(admin_user).get(url(component, name)).status_code == 200
        expected = 200 if name == "setup_templates" else 404
        assert client_for(agent).get(url(component, name)).status_code == expected
    queue = client_for(admin_user).get(url(component, "queue")).content.decode()
    assert all(url(component, name) in queue for name in PAGES)
    agent_queue = client_for(agent).get(url(component, "queue")).content.decode()
    assert (
        url(component, "setup_templates") in agent_queue and url(component, "setup_routes") not in agent_queue
    )


def test_categories_create_edit_and_errors(component, admin_user, voirie, client_for, pothole):
    client = client_for(admin_user)
    page = client.get(url(component, "setup_categories")).content.decode()
    assert "Voirie" in page and "Nid-de-poule" in page and '<label for="id_sla_hours"' in page
    bad = client.post(url(component, "setup_categories"), {"name": "", "sla_hours": "0"})
    body = bad.content.decode()
    assert bad.status_code == 200 and 'class="error-summary"' in body and 'href="#id_name"' in body
    assert 'aria-invalid="true"' in body
    response = client.post(
        url(component, "setup_categories"),
        {
            "name": "Tags",
            "service": voirie.pk,
            "sla_hours": 72,
            "keywords": "tag, graffiti",
            "external_email": "",
        },
    )
    assert response.status_code == 302
    tags = Category.objects.get(slug="tags")
    assert tags.service == voirie and tags.sla_hours == 72 and tags.keyword_list() == ["tag", "graffiti"]
    client.post(
        url(component, "setup_categories"),
        {"edit": tags.pk, "name": "Tags et graffitis", "sla_hours": 24, "external_email": "dept@cd.example"},
    )
    tags.refresh_from_db()
    assert (tags.name, tags.sla_hours, tags.external_email, tags.service) == (
        "Tags et graffitis",
        24,
        "dept@cd.example",
        None,
    )


def test_routes_save_and_remove(component, admin_user, pothole, districts, client_for, org):
    from parlons.core.tests.factories import ServiceFactory

    proprete = ServiceFactory(organisation=org, name="Propreté")
    client = client_for(admin_user)
    data = {"category": pothole.pk, "area": districts["nord"].pk, "service": proprete.pk}
    assert client.post(url(component, "setup_routes"), data).status_code == 302
    rule = CategoryRoute.objects.get()
    assert rule.service == proprete
    assert "Propreté" in client.get(url(component, "setup_routes")).content.decode()
    assert client.post(url(component, "setup_routes"), {"delete": rule.pk}).status_code == 302
    assert not CategoryRoute.objects.exists()
    missing = client.post(url(component, "setup_routes"), {"category": pothole.pk}).content.decode()
    assert 'class="error-summary"' in missing


def test_answer_templates_for_staff(component, agent, voirie, client_for):
    client = client_for(agent)
    data = {"title": "Réparé", "body": "C'est réparé.", "service": voirie.pk, "status": "fixed"}
    assert client.post(url(component, "setup_templates"), data).status_code == 302
    template = AnswerTemplate.objects.get()
    assert (template.service, template.status) == (voirie, "fixed")
    client.post(url(component, "setup_templates"), {**data, "edit": template.pk, "title": "Fait"})
    template.refresh_from_db()
    assert template.title == "Fait"
    client.post(url(component, "setup_templates"), {"delete": template.pk})
    assert not AnswerTemplate.objects.exists()


def test_api_key_shown_once_then_revoked(component, admin_user, client_for):
    client = client_for(admin_user)
    response = client.post(url(component, "setup_api_keys"), {"name": "Appli mobile"})
    body = response.content.decode()
    key = Open311ApiKey.objects.get()
    clear = body.split('<code class="api-key">')[1].split("</code>")[0]
    assert api_key_digest(clear) == key.digest and key.component_id == component.pk
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    listing = client.get(url(component, "setup_api_keys")).content.decode()
    assert "Appli mobile" in listing and clear not in listing
    client.post(url(component, "setup_api_keys"), {"revoke": key.pk})
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_another_towns_objects_are_404(component, admin_user, client_for, other_org):
    foreign_category = CategoryFactory(organisation=other_org)
    foreign_template = AnswerTemplate.objects.create(organisation=other_org, title="x", body="y")
    foreign_key = Open311ApiKey.objects.create(organisation=other_org, name="k", prefix="p", digest="d" * 64)
    client = client_for(admin_user)
    assert client.get(url(component, "setup_categories"), {"edit": foreign_category.pk}).status_code == 404
    assert client.get(url(component, "setup_templates"), {"edit": foreign_template.pk}).status_code == 404
    assert client.post(url(component, "setup_templates"), {"delete": foreign_template.pk}).status_code == 404
    assert client.post(url(component, "setup_api_keys"), {"revoke": foreign_key.pk}).status_code == 404
    assert AnswerTemplate.objects.filter(pk=foreign_template.pk).exists()
    foreign_key.refresh_from_db()
    assert foreign_key.revoked_at is None
    page = client.get(url(component, "setup_categories")).content.decode()
    assert foreign_category.name not in page
