"""Full-text search of proposals on PostgreSQL: French stemming, word beginnings, and the GIN index in use."""

from __future__ import annotations

import pytest
from django.db import connection

from parlons.modules.consultations import selectors
from parlons.modules.consultations.tests.factories import ProposalFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL full-text search (SQLite searches with LIKE): run with DATABASE_URL=postgis://...",
    ),
]


def _search(component, q):
    return [p.title for p in selectors.proposal_list(component=component, filters=selectors.Filters(q=q))]


def test_french_stemming_and_word_beginnings(component, org):
    org.default_language = "fr"
    org.save(update_fields=["default_language"])
    ProposalFactory(organisation=org, component=component, title="Une piste cyclable vers la gare")
    ProposalFactory(
        organisation=org, component=component, title="Un jardin partagé", body="Des arbres fruitiers."
    )
    assert _search(component, "pistes cyclables") == ["Une piste cyclable vers la gare"]
    assert _search(component, "cycl") == ["Une piste cyclable vers la gare"]
    assert _search(component, "arbre") == ["Un jardin partagé"]  # the body counts too
    assert _search(component, "piscine") == []
    assert _search(component, "') OR 1=1 --") == []  # injection is just text


def test_english_configuration_for_english_towns(component, org):
    org.default_language = "en"
    org.save(update_fields=["default_language"])
    ProposalFactory(organisation=org, component=component, title="More cycling lanes to the station")
    assert _search(component, "cycle lane") == ["More cycling lanes to the station"]


@pytest.mark.parametrize(
    ("language", "index"), [("fr", "proposal_search_fr_idx"), ("en", "proposal_search_en_idx")]
)
def test_the_gin_index_serves_the_search(language, index):
    """The search's expression is the indexed one (on a tiny table the planner would rather filter the component's
    rows, so the plan is asked for the text condition alone)."""
    from django.contrib.postgres.search import SearchQuery

    from parlons.modules.consultations.models import Proposal

    config = selectors.search_config(language)
    qs = (
        Proposal.objects.annotate(search=selectors.search_vector(config))
        .filter(search=SearchQuery("fontaine", config=config, search_type="websearch"))
        .only("pk")
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert index in plan, plan
