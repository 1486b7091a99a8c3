"""An analysis uses when and where each contribution was made (``registry.AnalysisText``): weekly trend and
districts by the contributions' own dates and districts, weak signals on a first run when the scope has a
past, and tone per theme and week with emerging tensions."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from parlons.core import registry
from parlons.core.tests.factories import AreaFactory, MembershipFactory
from parlons.insights import selectors, services
from parlons.insights.models import AnalysedText, AnalysisRun, Theme
from parlons.insights.services import _gather
from parlons.insights.tests.test_topics import BENCHES, CYCLING, NOISE
from parlons.modules.consultations.models import Proposal
from parlons.modules.consultations.tests.factories import ProposalFactory, consultations_component
from parlons.modules.conversations.tests.factories import make_conversation, make_participant, make_statement
from parlons.modules.reports.tests.factories import ReportFactory
from parlons.modules.surveys.tests.factories import make_response, make_survey

pytestmark = pytest.mark.django_db

ANGRY_CYCLING = [
    "La piste cyclable de la rue Nationale est dangereuse, c'est scandaleux",
    "Scandaleux : encore un accident sur la piste cyclable, c'est inacceptable",
    "Les pistes cyclables sont mal entretenues, c'est honteux et dangereux",
    "Piste cyclable supprimée devant l'école, c'est une honte !",
    "Colère des cyclistes : la piste cyclable du quai est dangereuse et sale",
    "C'est inadmissible, les pistes cyclables promises pour les vélos n'existent toujours pas",
]


def _monday(moment) -> date:
    day = timezone.localtime(moment).date()
    return day - timedelta(days=day.weekday())


@pytest.fixture
def town(org):
    """Calm proposals about bikes and benches in the centre over the past weeks; this week, an angry burst
    about bikes in the centre and a sudden burst about noise near the station."""
    now = timezone.now()
    centre = AreaFactory(organisation=org, name="Centre", slug="centre")
    station = AreaFactory(organisation=org, name="Gare", slug="gare")
    component = consultations_component(org)
    author = MembershipFactory(organisation=org).user
    planted: dict[str, tuple] = {}

    def propose(text, area, when):
        proposal = ProposalFactory(
            organisation=org, component=component, author=author, title=text[:60], body=text, area=area
        )
        Proposal.objects.filter(pk=proposal.pk).update(published_at=when, created_at=when)
        planted[text] = (area.name, when)

    for i, (bike, bench) in enumerate(zip(CYCLING, BENCHES, strict=True)):
        when = now - timedelta(weeks=i + 2, hours=3)
        propose(bike, centre, when)
        propose(bench, centre, when)
    for i, text in enumerate(ANGRY_CYCLING):
        propose(text, centre, now - timedelta(seconds=10 + i))
    for i, text in enumerate(NOISE):
        propose(text, station, now - timedelta(seconds=30 + i))
    return component, planted


def test_modules_hand_their_dates_and_districts_to_the_analysis(org, town):
    component, planted = town
    manifest = registry.get("consultations")
    items = list(manifest.texts_for_analysis(component))
    assert all(isinstance(item, registry.AnalysisText) for item in items)
    by_text = {item.text.split("\n", 1)[1]: item for item in items}
    for text, (area, when) in planted.items():
        assert by_text[text].area == area
        assert abs(by_text[text].created - when) < timedelta(seconds=1)


def test_plain_tuples_are_still_accepted(org, monkeypatch):
    component = consultations_component(org)
    older = replace(registry.get("consultations"), texts_for_analysis=lambda c: [("x:1", "Un texte", "fr")])
    monkeypatch.setitem(registry._registry, "consultations", older)
    ((doc, found),) = list(_gather(AnalysisRun.objects.create(organisation=org)))
    assert (doc.id, doc.text, doc.lang, doc.created, doc.area, found) == (
        f"consultations:{component.pk}:x:1",
        "Un texte",
        "fr",
        None,
        None,
        component,
    )


def test_a_first_analysis_uses_real_dates_and_districts(org, town, client_for, agent):
    _component, planted = town
    run = services.analysis_run_now(organisation=org)
    assert run.texts == len(planted) == 24

    texts = {t.text.split("\n", 1)[1]: t for t in AnalysedText.objects.for_organisation(org)}

    def main_theme(group):
        (key, count), *_rest = Counter(texts[t].theme_key for t in group).most_common(1)
        return key, count

    bikes, angry_together = main_theme(ANGRY_CYCLING)
    assert angry_together >= 5 and texts[CYCLING[0]].theme_key == bikes
    noise, noise_together = main_theme(NOISE)
    assert noise_together == 6 and noise != bikes

    # weekly counts and districts from the contributions' own dates and districts
    today = timezone.localdate()
    rows = {r.theme.key: r for r in selectors.theme_table(organisation=org, process=None, today=today)}
    weeks = selectors.weeks_for(today)
    members = [text for text, row in texts.items() if row.theme_key == bikes]
    expected = Counter(_monday(planted[t][1]) for t in members)
    assert rows[bikes].weeks == [expected.get(w, 0) for w in weeks]
    assert rows[bikes].weeks[-1] == angry_together and sum(expected.values()) > angry_together
    assert rows[bikes].areas == [("Centre", len(members))]
    assert rows[noise].areas == [("Gare", 6)]

    # weak signals on a first run, since the town has a past: the burst near the station is a surge
    run.refresh_from_db()
    surges = {s["area"]: s for s in run.district_signals}
    assert set(surges) == {"Gare"}
    assert surges["Gare"]["recent"] == 6 and surges["Gare"]["weekly"][-1][1] == 6
    assert all(n == 0 for _day, n in surges["Gare"]["weekly"][:-1])
    assert len(surges["Gare"]["examples"]) == 5

    # tone per theme and week: the angry week of bikes is an emerging tension, not its calm weeks before
    theme = Theme.objects.for_organisation(org).get(process=None, key=bikes)
    tone_weeks = selectors.tone_weeks(theme=theme, weeks=weeks)
    assert [w.tension for w in tone_weeks] == [False] * (len(tone_weeks) - 1) + [True]
    last = tone_weeks[-1]
    assert last.count == last.negative == angry_together and last.earlier_share is not None
    assert last.earlier_share < 0.5 and len(last.examples) == 3
    assert rows[bikes].tensions == [last]

    # the pages show it all, with text alternatives
    client = client_for(agent)
    body = client.get(reverse("insights:overview")).content.decode()
    assert "Emerging tensions" in body and theme.label in body
    assert "Sudden surges in a district" in body and "A sudden surge in Gare" in body
    detail = client.get(theme.page_url()).content.decode()
    assert "Tone over time" in detail and "<caption" in detail
    assert f"{angry_together} of {angry_together} contributions negative (100 %)" in detail
    assert "Centre" in detail


def test_a_town_that_just_opened_has_no_weak_signal(org):
    centre = AreaFactory(organisation=org, name="Centre", slug="centre")
    component = consultations_component(org)
    for text in CYCLING + NOISE:
        ProposalFactory(organisation=org, component=component, title=text[:60], body=text, area=centre)
    run = services.analysis_run_now(organisation=org)
    assert run.district_signals == []
    assert all(t.signals == [] for t in Theme.objects.for_organisation(org))


def test_each_module_dates_and_places_its_contributions(org):
    """Reports in their district, a proposal by its position, a survey answer in the respondent's district,
    a statement in its author's home district: each dated when it was made."""

    district = AreaFactory(organisation=org, name="Les Tilleuls", slug="tilleuls")  # around 2.005, 48.005
    then = timezone.now() - timedelta(days=40)

    def texts_of(component):
        return list(registry.get(component.module_key).texts_for_analysis(component))

    report = ReportFactory(organisation=org, area=district, description="Lampadaire en panne")
    (item,) = texts_of(report.component)
    assert (item.area, item.created) == ("Les Tilleuls", report.created_at)

    proposal = ProposalFactory(organisation=org, lon=2.005, lat=48.005, published_at=then)
    outside = ProposalFactory(organisation=org, component=proposal.component, lon=3.0, lat=45.0)
    items = {i.id: i for i in texts_of(proposal.component)}
    assert (
        items[f"proposal:{proposal.public_id}"].area,
        items[f"proposal:{proposal.public_id}"].created,
    ) == (
        "Les Tilleuls",
        then,
    )
    assert items[f"proposal:{outside.public_id}"].area is None

    survey = make_survey(org)
    make_response(
        org,
        survey=survey,
        status="submitted",
        submitted_at=then,
        district="tilleuls",
        answers={"idee": "Plus de bancs au parc"},
    )
    (item,) = texts_of(survey.component)
    assert (item.text, item.area, item.created) == ("Plus de bancs au parc", "Les Tilleuls", then)

    conversation = make_conversation(org)
    resident = MembershipFactory(organisation=org, home_area=district).user
    make_statement(
        org, conversation, text="Plus d'arbres", author=make_participant(org, conversation, resident)
    )
    make_statement(org, conversation, text="Moins de voitures")
    items = {i.text: i for i in texts_of(conversation.component)}
    assert items["Plus d'arbres"].area == "Les Tilleuls" and items["Moins de voitures"].area is None
    assert all(i.created is not None for i in items.values())
