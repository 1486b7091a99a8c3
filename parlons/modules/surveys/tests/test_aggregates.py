"""The results' aggregates: kept by response_submit, equal to a recomputation from the answers, rebuilt."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from parlons.modules.surveys import logic, results, selectors, services
from parlons.modules.surveys.models import SURVEY_SLOT, Response, ResultCount, Uniqueness

pytestmark = pytest.mark.django_db

PROFILE = {"age": {"choice": "25-44"}, "quartier": {"choice": "centre"}}
ANSWERS = [
    {
        **PROFILE,
        "modes": ["velo", "bus"],
        "securite_velo": 1,
        "note": 2,
        "pourquoi": "Pistes cyclables interrompues près de la gare",
        "ou": {"lon": 0.981234, "lat": 47.401234},
        "priorites": ["bus", "pistes", "trottoirs", "parkings"],
        "cadre": {"proprete": 2, "eclairage": 4, "securite": 1},
        "affirmations": {"pieton": "agree", "zone30": "pass"},
        "idee": "Plus de bus le soir, des pistes cyclables",
        "recontact": {"choice": "oui"},
    },
    {
        **PROFILE,
        "quartier": {"choice": "nord"},
        "modes": ["bus"],
        "note": 9,
        "cadre": {"proprete": 5, "eclairage": 4, "securite": 3},
        "idee": "Des bus le dimanche",
        "recontact": {"choice": "non"},
    },
    {
        **PROFILE,
        "modes": ["voiture", "bus", "marche"],
        "km_voiture": 120,
        "stationnement": {"choice": "difficile"},
        "note": 1,
        "pourquoi": "Trop de voitures, pas de pistes",
        "ou": {"lon": 0.99, "lat": 47.41},
        "recontact": {"choice": "non"},
    },
    {**PROFILE, "modes": ["marche"], "note": 6, "recontact": {"choice": "oui"}},
]


@pytest.fixture
def sent(survey, citizen):
    survey.uniqueness = Uniqueness.NONE
    survey.save()
    return [services.response_submit_all(survey=survey, user=citizen, answers=a) for a in ANSWERS]


def _stored(survey):
    """The per-question aggregates (the survey-wide ones, under SURVEY_SLOT, are checked apart)."""
    rows = ResultCount.objects.filter(survey=survey).exclude(question_key=SURVEY_SLOT)
    return {(r.question_key, r.slot): r.amount for r in rows if r.amount}


def _survey_wide(survey):
    rows = ResultCount.objects.filter(survey=survey, question_key=SURVEY_SLOT)
    return dict(rows.values_list("slot", "amount"))


def _raw(survey):
    rows = Response.objects.filter(survey=survey, status="submitted").values_list(
        "answers", "district", "age_group"
    )
    return results.recompute(survey.definition, [(a, {"district": d, "age_group": g}) for a, d, g in rows])


def test_submit_keeps_aggregates_equal_to_a_recomputation_from_the_answers(survey, sent):
    stored = _stored(survey)
    assert stored == _raw(survey)
    assert _survey_wide(survey) == {"responses": 4, "assisted": 0, "stamp": 4}
    # Multiple choice: the base is the people who answered (4), not the ticks (7).
    assert stored[("modes", "base")] == 4
    assert stored[("modes", "o:bus")] == 3 and stored[("modes", "o:marche")] == 2
    assert sum(v for (k, s), v in stored.items() if k == "modes" and s.startswith("o:")) == 7
    assert stored[("note", "sum")] == 18 and stored[("note", "v:9")] == 1
    assert stored[("cadre", "r:eclairage:4")] == 2 and stored[("cadre", "rb:securite")] == 2
    assert stored[("pourquoi", "w:pistes")] == 2
    assert stored[("ou", "g:0.981,47.401")] == 1


def test_results_from_aggregates_equal_the_tabulation_of_the_answers(survey, sent):
    count, from_counts = selectors.survey_results(survey=survey, lang="en")
    rows = list(Response.objects.filter(survey=survey, status="submitted").values_list("answers", flat=True))
    tabulated = results.tabulate(selectors._with_other_label(survey.definition), rows, "en")
    assert count == len(ANSWERS)
    for mine, theirs in zip(from_counts, tabulated, strict=True):
        assert (mine.key, mine.base, mine.rows, mine.tables, mine.mean, mine.multiple) == (
            theirs.key,
            theirs.base,
            theirs.rows,
            theirs.tables,
            theirs.mean,
            theirs.multiple,
        ), mine.key
        assert sorted(mine.words) == sorted(theirs.words)
        assert mine.texts == theirs.texts and mine.others == theirs.others
        assert (mine.grid or {}).get("total") == (theirs.grid or {}).get("total")
    stats = selectors.survey_stats(component=survey.component)
    assert stats["responses"] == 4 and stats["started"] == 4 and stats["assisted"] == 0
    modes = next(r for r in from_counts if r.key == "modes")
    assert modes.multiple and modes.base == 4
    assert {r.label: r.percent for r in modes.rows}["Bus"] == 75.0


def test_rebuild_command_repairs_the_aggregates(survey, sent):
    expected = _stored(survey)
    ResultCount.objects.filter(survey=survey).update(amount=0)
    ResultCount.objects.filter(survey=survey, question_key="modes").delete()
    out = StringIO()
    call_command("surveys_rebuild_results", survey=[survey.pk], stdout=out)
    assert f"survey {survey.pk}:" in out.getvalue()
    assert _stored(survey) == expected == _raw(survey)
    assert _survey_wide(survey)["responses"] == 4


def test_changing_the_questions_rebuilds_the_aggregates(survey, sent, admin_user):
    definition = survey.definition
    modes = logic.question_map(definition)["modes"].question
    modes["options"] = [o for o in modes["options"] if o["value"] != "marche"]
    services.survey_save_definition(survey=survey, by=None, definition=definition)
    assert _stored(survey) == _raw(survey)


def test_crosstabs_by_district_and_age_group_from_aggregates_equal_the_answers(survey, sent):
    stored = {r.slot: r.amount for r in ResultCount.objects.filter(survey=survey, question_key="modes")}
    question = logic.question_map(survey.definition)["modes"].question
    responses = Response.objects.filter(survey=survey, status="submitted")
    assert {r.district for r in responses} == {"centre", "nord"}
    for grouping in ("district", "age_group"):
        members, by_group = results.group_counts(stored, grouping)
        mine = results.crosstab_of_counts(question, members, by_group, {}, "en", threshold=1)
        raw = [(r.answers.get("modes"), getattr(r, grouping) or None) for r in responses]
        theirs = results.crosstab(question, raw, {}, "en", threshold=1)
        assert mine == theirs
        assert mine.multiple and sum(n for _g, n in mine.groups) == 4  # people, not ticks
