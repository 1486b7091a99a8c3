"""Near-duplicates across modules and copy-paste campaigns (MinHash + LSH)."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta

import pytest

from parlons.insights.text.docs import Doc
from parlons.insights.text.duplicates import find_near_duplicates, normalise

PETITION = (
    "Nous demandons la création d'une piste cyclable sécurisée sur le boulevard de la Liberté, "
    "pour que nos enfants puissent aller à l'école à vélo sans danger."
)


def _noise(n: int, seed: int = 3) -> list[Doc]:
    """Unrelated texts from a vocabulary large enough not to look alike."""
    rng = random.Random(seed)
    syllables = [c + v for c in "bdfglmnprstv" for v in "aeiou"]
    vocab = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(5000)]
    return [
        Doc(f"noise:{i}", " ".join(rng.choice(vocab) for _ in range(rng.randint(10, 30))), "fr")
        for i in range(n)
    ]


def test_a_report_and_a_proposal_about_the_same_thing_are_found_across_modules():
    docs = [
        Doc(
            "reports:report:1",
            "Le lampadaire de la rue Jean Jaurès ne marche plus depuis une semaine !",
            "fr",
            module="reports",
        ),
        Doc(
            "consultations:proposal:7",
            "lampadaire rue Jean-Jaures : il ne marche plus depuis une semaine",
            "fr",
            module="consultations",
        ),
        Doc(
            "reports:report:2",
            "Un nid de poule dangereux devant la boulangerie de la place du marché",
            "fr",
            module="reports",
        ),
        *_noise(300),
    ]
    groups = find_near_duplicates(docs)
    assert len(groups) == 1
    group = groups[0]
    assert set(group.ids) == {"reports:report:1", "consultations:proposal:7"}
    assert group.kind == "duplicate" and 0.5 <= group.similarity <= 1


def test_normalisation_ignores_case_accents_punctuation_and_function_words():
    assert normalise("L'Éclairage de la Rue — ne MARCHE plus !", "fr") == normalise(
        "eclairage rue marche", "fr"
    )


def test_a_copy_paste_campaign_in_a_short_period_by_different_authors():
    start = datetime(2026, 5, 4, 9)
    campaign = [
        Doc(f"c{i}", PETITION + (" Merci." if i % 2 else ""), "fr", start + timedelta(hours=i))
        for i in range(12)
    ]
    spread = [
        Doc(
            f"s{i}",
            "Réparer la fontaine de la place Carnot qui fuit depuis des mois",
            "fr",
            start + timedelta(days=30 * i),
        )
        for i in range(6)
    ]
    authors = {d.id: f"person{i}" for i, d in enumerate(campaign + spread)}
    groups = {
        g.ids[0][0]: g for g in find_near_duplicates([*campaign, *spread, *_noise(200)], authors=authors)
    }
    assert groups["c"].kind == "campaign" and len(groups["c"].ids) == 12
    assert groups["s"].kind == "duplicate"  # the same request, but over months: not a campaign
    # the same texts from one or two people are not a campaign either
    same_person = {d.id: "bot" if i % 2 else "bot2" for i, d in enumerate(campaign)}
    assert find_near_duplicates(campaign, authors=same_person)[0].kind == "duplicate"


def test_short_and_unrelated_texts_are_never_duplicates():
    docs = [Doc("a", "oui", "fr"), Doc("b", "oui", "fr"), Doc("c", "Merci !", "fr"), *_noise(100)]
    assert find_near_duplicates(docs) == []
    assert find_near_duplicates([]) == []


def test_threshold_is_checked():
    with pytest.raises(ValueError):
        find_near_duplicates([], threshold=0)


def test_scales_linearly_on_many_texts():
    docs = _noise(20_000, seed=5) + [Doc(f"dup{i}", PETITION, "fr") for i in range(3)]
    started = time.perf_counter()
    groups = find_near_duplicates(docs)
    elapsed = time.perf_counter() - started
    assert [set(g.ids) for g in groups] == [{"dup0", "dup1", "dup2"}]
    # 100,000 texts take about 4 s on the project's 2-core machine (bench/text_signals.py)
    assert elapsed < 15, elapsed
