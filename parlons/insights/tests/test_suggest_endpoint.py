"""The category suggestion of the report form: /insights/suggest/<component>/ learns from the organisation's
categorised reports, answers only those who may report there, only for their organisation, and not too often."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from parlons.core.tests.factories import ComponentFactory, PhaseFactory, ProcessFactory
from parlons.insights.suggestions import suggester_forget, suggestion_list
from parlons.modules.reports import services
from parlons.modules.reports.models import Category

pytestmark = pytest.mark.django_db

EXAMPLES = {
    "lampadaire": [
        "Le lampadaire de ma rue est éteint depuis trois jours",
        "Éclairage public en panne avenue Foch, il fait tout noir",
        "Le réverbère devant l'école ne s'allume plus le soir",
        "Lampadaire qui clignote toute la nuit rue Pasteur",
    ],
    "voirie": [
        "Un nid de poule énorme sur la chaussée rue Victor Hugo",
        "Trou profond dans la route devant la boulangerie",
        "La chaussée est défoncée après les travaux",
        "Nid-de-poule dangereux pour les vélos boulevard Carnot",
    ],
    "proprete": [
        "Dépôt sauvage de déchets au coin de la rue",
        "Poubelles qui débordent et déchets partout sur le trottoir",
        "Encombrants abandonnés devant l'immeuble",
        "Sacs de déchets déposés près du parc depuis une semaine",
    ],
}


def _reports_component(org, slug="signalements"):
    process = ProcessFactory(organisation=org, slug=slug, title="Signaler un problème")
    PhaseFactory(process=process, is_current=True)
    return ComponentFactory(
        process=process, module_key="reports", name="Signalements", published_at=timezone.now()
    )


@pytest.fixture
def town(org, citizen):
    """A reports component with three categories and a dozen categorised reports."""
    component = _reports_component(org)
    categories = {
        slug: Category.objects.create(organisation=org, slug=slug, name=slug.capitalize(), keywords="")
        for slug in EXAMPLES
    }
    for slug, texts in EXAMPLES.items():
        for text in texts:
            services.report_submit(
                component=component,
                by=citizen,
                category_id=categories[slug].pk,
                description=text,
                lon=2.35,
                lat=48.85,
                idempotency_key=uuid.uuid4().hex,
            )
    return component, categories


def _url(component):
    return reverse("insights_suggest", kwargs={"component_id": component.pk})


def test_the_category_is_suggested_from_the_words_typed(town, client_for, citizen):
    component, categories = town
    response = client_for(citizen).get(
        _url(component), {"description": "le lampadaire est éteint rue Gambetta"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-suggest-value="{categories["lampadaire"].pk}"' in html
    assert html.index("Lampadaire") < html.index("Voirie") if "Voirie" in html else True
    assert "lampadaire" in html.split("because of:")[1]  # the words behind it are shown
    assert "data-confident" in html


def test_anonymous_visitors_get_suggestions_where_anonymous_reports_are_allowed(town, client_for):
    component, categories = town
    response = client_for().get(_url(component), {"description": "des déchets partout sur le trottoir"})
    assert response.status_code == 200
    assert f'data-suggest-value="{categories["proprete"].pk}"' in response.content.decode()


def test_short_or_unknown_text_suggests_nothing(town, client_for, citizen):
    component, _categories = town
    client = client_for(citizen)
    assert client.get(_url(component), {"description": "le"}).content.decode().strip() == ""
    assert client.get(_url(component), {"description": "zzzz qqqq"}).content.decode().strip() == ""


def test_inactive_categories_are_not_suggested(town, citizen):
    component, categories = town
    categories["lampadaire"].is_active = False
    categories["lampadaire"].save()
    suggester_forget(organisation=component.process.organisation, module_key="reports")
    keys = [s.key for s in suggestion_list(component=component, text="le lampadaire est éteint")]
    assert str(categories["lampadaire"].pk) not in keys


def test_another_organisations_component_is_not_found(town, other_org, client_for):
    component, _categories = town
    response = client_for(organisation=other_org).get(_url(component), {"description": "lampadaire éteint"})
    assert response.status_code == 404


def test_no_suggestion_where_one_may_not_report(town, client_for):
    component, _categories = town
    component.settings = {**component.settings, "allow_anonymous": False}
    component.save()
    assert client_for().get(_url(component), {"description": "lampadaire éteint"}).status_code == 403


def test_an_unpublished_component_is_not_found_by_citizens(town, client_for, citizen):
    component, _categories = town
    component.published_at = None
    component.save()
    assert client_for(citizen).get(_url(component), {"description": "lampadaire éteint"}).status_code == 404


def test_the_rate_limit_answers_429(town, client_for, citizen, settings):
    settings.PARLONS_SUGGEST_RATE = (3, 60)
    component, _categories = town
    client = client_for(citizen)
    statuses = [
        client.get(_url(component), {"description": "lampadaire éteint"}).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    # another person is not slowed down
    assert client_for().get(_url(component), {"description": "lampadaire éteint"}).status_code == 200


def test_the_model_is_per_organisation(town, other_org):
    """Another town's reports never feed this town's suggestions (nor the other way round)."""
    component, _categories = town
    other = _reports_component(other_org, slug="autres")
    assert suggestion_list(component=other, text="le lampadaire est éteint") == []
    assert suggestion_list(component=component, text="le lampadaire est éteint")


def test_the_report_form_asks_for_suggestions_as_people_type(town, client_for, citizen):
    component, _categories = town
    page = client_for(citizen).get(f"/processes/{component.process.slug}/reports/{component.pk}/new/")
    html = page.content.decode()
    assert f'hx-get="{_url(component)}"' in html and 'hx-target="#category-suggestion"' in html


def test_while_one_request_trains_the_others_get_no_suggestion(town):
    from django.core.cache import cache

    component, _categories = town
    organisation = component.process.organisation
    suggester_forget(organisation=organisation, module_key="reports")
    cache.add(f"insights:suggester:{organisation.pk}:reports:training", 1)
    assert suggestion_list(component=component, text="le lampadaire est éteint") == []
    cache.delete(f"insights:suggester:{organisation.pk}:reports:training")
    assert suggestion_list(component=component, text="le lampadaire est éteint")
