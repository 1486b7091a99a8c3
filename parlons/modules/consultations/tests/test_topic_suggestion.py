"""The topic suggestion of the new-proposal form: insights' /insights/suggest/<component>/ learns from the
organisation's published proposals and its topics' own words, answers only those who may make a proposal there,
only for their organisation; the form asks for it as the body is typed and, in the browser, a confident
suggestion pre-selects the topic until the author chooses one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parlons.core.tests.factories import TopicFactory
from parlons.insights.suggestions import suggester_forget, suggestion_list
from parlons.modules.consultations.models import Status
from parlons.modules.consultations.tests.factories import ProposalFactory, consultations_component
from tests.browser.fixtures import axe_violations, describe, login

EXAMPLES = {
    "mobilites": (
        "Mobilités",
        "Vélo, marche, transports en commun, stationnement.",
        [
            (
                "Une piste cyclable vers la gare",
                "Une piste séparée pour venir à vélo en sécurité jusqu'à la gare.",
            ),
            (
                "Plus de bus le dimanche",
                "Les bus passent une fois par heure le dimanche, il faut plus de bus.",
            ),
            ("Des arceaux à vélo au marché", "Il manque des arceaux pour garer son vélo près du marché."),
            (
                "Un parking relais à l'entrée de ville",
                "Un parking relais avec une navette de bus vers le centre.",
            ),
        ],
    ),
    "environnement": (
        "Environnement",
        "Climat, biodiversité, Loire et énergie.",
        [
            (
                "Planter des arbres dans la cour",
                "Des arbres pour l'ombre et la biodiversité dans la cour d'école.",
            ),
            (
                "Un composteur collectif",
                "Un composteur de quartier pour réduire les déchets et nourrir le jardin.",
            ),
            (
                "Des panneaux solaires sur le gymnase",
                "Produire de l'énergie solaire sur les toits de la ville.",
            ),
            ("Protéger les bords de Loire", "Préserver la faune et la flore des berges de la Loire."),
        ],
    ),
    "cadre-de-vie": (
        "Cadre de vie",
        "Propreté, tranquillité, espaces publics.",
        [
            ("Des bancs sur la place", "Installer des bancs à l'ombre sur la place pour se reposer."),
            ("Moins de bruit la nuit", "Le bruit des scooters la nuit empêche les riverains de dormir."),
            ("Des poubelles au parc", "Les poubelles du parc débordent le week-end, il en faut davantage."),
            ("Éclairer le chemin piéton", "Le chemin piéton est tout noir l'hiver, il faut des lampadaires."),
        ],
    ),
}


@pytest.fixture
def topics(org):
    return {
        slug: TopicFactory(organisation=org, slug=slug, name=name, description=description)
        for slug, (name, description, _examples) in EXAMPLES.items()
    }


@pytest.fixture
def town(org, component, topics, citizen):
    """A consultations component whose published proposals have a topic each."""
    for slug, (_name, _description, examples) in EXAMPLES.items():
        for title, body in examples:
            ProposalFactory(
                organisation=org,
                component=component,
                author=citizen,
                title=title,
                body=body,
                topic=topics[slug],
            )
    return component, topics


def _url(component):
    return reverse("insights_suggest", kwargs={"component_id": component.pk})


@pytest.mark.django_db
def test_the_topic_is_suggested_from_the_body_typed(town, client_for, citizen):
    component, topics = town
    response = client_for(citizen).get(
        _url(component), {"body": "Je voudrais une piste cyclable pour aller à vélo au collège"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(f'data-suggest-value="{topics["mobilites"].pk}"') == html.index("data-suggest-value")
    assert "Mobilités" in html
    because = html.split("because of:")[1]
    assert "vélo" in because or "cyclable" in because  # the words behind it are shown
    assert "data-confident" in html


@pytest.mark.django_db
def test_published_proposals_and_the_topics_own_words_teach_but_not_drafts_nor_hidden_ones(town, org):
    from parlons.modules.consultations.manifest import _labelled_texts

    component, topics = town
    mobility = topics["mobilites"]
    ProposalFactory(
        organisation=org,
        component=component,
        title="Brouillon",
        body="Secret",
        topic=mobility,
        status=Status.DRAFT,
        published_at=None,
    )
    ProposalFactory(
        organisation=org, component=component, title="Masquée", body="Caché", topic=mobility, is_hidden=True
    )
    ProposalFactory(organisation=org, component=component, title="Sans thème", body="Aucun", topic=None)
    pairs = list(_labelled_texts(component))
    texts = [text for text, _label in pairs]
    assert not any(t.startswith(("Brouillon", "Masquée", "Sans thème")) for t in texts)
    assert (
        "Une piste cyclable vers la gare\nUne piste séparée pour venir à vélo en sécurité jusqu'à la gare.",
        str(mobility.pk),
    ) in pairs
    assert ("Mobilités", str(mobility.pk)) in pairs
    assert ("Vélo, marche, transports en commun, stationnement.", str(mobility.pk)) in pairs


@pytest.mark.django_db
def test_only_the_topics_the_form_offers_are_suggested(town, org):
    component, topics = town
    suggester_forget(organisation=org, module_key="consultations")
    assert suggestion_list(component=component, text="une piste cyclable pour les vélos")
    topics["mobilites"].delete()
    keys = [s.key for s in suggestion_list(component=component, text="une piste cyclable pour les vélos")]
    assert str(topics["mobilites"].pk) not in keys


@pytest.mark.django_db
def test_another_organisations_component_is_not_found(town, other_org, client_for):
    component, _topics = town
    response = client_for(organisation=other_org).get(_url(component), {"body": "une piste cyclable"})
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_model_is_per_organisation(town, other_org):
    """Another town's proposals and topics never feed this town's suggestions (nor the other way round)."""
    component, _topics = town
    other = consultations_component(other_org)
    TopicFactory(organisation=other_org, slug="velo", name="Vélo", description="Pistes cyclables, vélo.")
    assert suggestion_list(component=other, text="une piste cyclable pour les vélos") == []
    assert suggestion_list(component=component, text="une piste cyclable pour les vélos")


@pytest.mark.django_db
def test_no_suggestion_for_those_who_may_not_make_a_proposal(town, client_for):
    component, _topics = town
    assert client_for().get(_url(component), {"body": "une piste cyclable"}).status_code == 403


@pytest.mark.django_db
def test_the_proposal_form_asks_for_suggestions_as_the_body_is_typed(town, client_for, citizen):
    component, _topics = town
    page = client_for(citizen).get(f"/processes/{component.process.slug}/consultations/{component.pk}/new/")
    html = page.content.decode()
    body = (
        html.split('id="id_body"')[0].rsplit("<textarea", 1)[1] + html.split('id="id_body"')[1].split(">")[0]
    )
    assert f'hx-get="{_url(component)}"' in body and 'hx-target="#topic-suggestion"' in body
    assert 'id="topic-suggestion"' in html and 'aria-describedby="topic-suggestion"' in html
    assert "consultations/proposal_form.js" in html


# --- In the browser, on the demo town ---------------------------------------------------------------------------

CITIZEN = "citoyen@valmont.demo"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_typing_the_body_suggests_and_preselects_the_topic(site, context, page):
    from parlons.core.models import Component, Topic

    component = (
        Component.objects.filter(
            module_key="consultations", published_at__isnull=False, process__visibility="public"
        )
        .select_related("process")
        .order_by("pk")
        .first()
    )
    assert component is not None, "the demo has a consultations component"
    mobility = Topic.objects.get(organisation=component.process.organisation, slug="mobilites")
    login(context, site, CITIZEN)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{site.url}/processes/{component.process.slug}/consultations/{component.pk}/new/")
    page.fill("#id_title", "Aller au lycée à vélo")
    page.locator("#id_body").press_sequentially(
        "Une piste cyclable, du stationnement vélo et plus de transports en commun", delay=5
    )
    button = page.locator(f'#topic-suggestion [data-suggest-value="{mobility.pk}"]')
    button.wait_for(timeout=15000)
    assert "mobilités" in page.locator("#topic-suggestion").inner_text().lower()
    # a confident suggestion pre-selects the topic while the author has not chosen one
    page.wait_for_function(f"() => document.getElementById('id_topic').value === '{mobility.pk}'")
    if violations := axe_violations(page):
        pytest.fail(describe("new proposal with a topic suggestion", violations))
    # the author chooses another topic: a later suggestion no longer overrides it
    other = Topic.objects.filter(organisation=component.process.organisation).exclude(pk=mobility.pk).first()
    page.select_option("#id_topic", str(other.pk))
    page.locator("#id_body").press_sequentially(" et des bus le dimanche", delay=5)
    page.wait_for_timeout(1500)
    assert page.eval_on_selector("#id_topic", "e => e.value") == str(other.pk)
    # clicking a suggestion selects it
    page.locator(f'#topic-suggestion [data-suggest-value="{mobility.pk}"]').click()
    assert page.eval_on_selector("#id_topic", "e => e.value") == str(mobility.pk)
    assert not errors, errors
