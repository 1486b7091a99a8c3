"""The topic pipeline on small corpora written for the purpose: themes, labels, stability, corrections."""

from __future__ import annotations

import pytest

from parlons.insights.text.docs import Doc
from parlons.insights.text.language import detect_language
from parlons.insights.text.normalise import Normaliser
from parlons.insights.text.topics import (
    TopicError,
    analyse_topics,
    merge_topics,
    rename_topic,
    split_topic,
    tag_contribution,
)

CYCLING = [
    "Il faut plus de pistes cyclables sécurisées vers le lycée",
    "Les pistes cyclables du centre sont dangereuses pour les enfants",
    "Une piste cyclable rue Nationale, les vélos roulent sur le trottoir",
    "Créer une piste cyclable continue le long de la Loire",
    "Des arceaux pour garer les vélos et une piste cyclable devant la gare",
    "La piste cyclable s'arrête brutalement au rond-point",
]
BENCHES = [
    "Installer des bancs à l'ombre dans le parc des Tilleuls",
    "Des bancs et des arbres au parc pour les personnes âgées",
    "Plus de bancs dans le parc, on ne peut pas s'asseoir",
    "Remplacer les bancs cassés du parc municipal",
    "Des bancs et une fontaine d'eau au parc",
    "Les bancs du parc sont trop peu nombreux",
]
NOISE = [
    "Le bruit des voitures la nuit empêche de dormir",
    "Trop de bruit de moteurs et de voitures rue du Port",
    "Réduire le bruit des voitures avec un limiteur de vitesse la nuit",
    "Le bruit des scooters et des voitures après minuit",
    "Bruit insupportable des voitures sur le boulevard la nuit",
    "Contrôler le bruit des voitures trafiquées la nuit",
]


def _docs(texts, prefix="d"):
    return [Doc(id=f"{prefix}{i}", text=t) for i, t in enumerate(texts)]


def _by_theme(result):
    groups = {}
    for doc_id, theme in result.assignments.items():
        groups.setdefault(theme, set()).add(doc_id)
    return groups


@pytest.fixture
def corpus():
    return _docs(CYCLING + BENCHES + NOISE)


def test_three_clear_subjects_make_three_themes_with_telling_labels(corpus):
    result = analyse_topics(corpus, n_topics=3)
    assert len(result.themes) == 3
    groups = sorted(_by_theme(result).values(), key=min)
    assert groups == [
        {f"d{i}" for i in range(0, 6)},
        {f"d{i}" for i in range(6, 12)},
        {f"d{i}" for i in range(12, 18)},
    ]
    labels = " | ".join(t.label.lower() for t in result.themes)
    assert "cyclable" in labels and "banc" in labels and "bruit" in labels
    for theme in result.themes:
        assert theme.size == 6
        assert theme.keywords and len(theme.quotes) == 3
        assert set(theme.quotes) <= {d for d, t in result.assignments.items() if t == theme.id}


def test_the_number_of_themes_is_chosen_when_not_given(corpus):
    result = analyse_topics(corpus * 1)
    assert 2 <= len(result.themes) <= 6


def test_re_running_gives_the_same_themes(corpus):
    first = analyse_topics(corpus, n_topics=3)
    second = analyse_topics(corpus, n_topics=3)
    assert first.assignments == second.assignments
    assert [t.label for t in first.topics] == [t.label for t in second.topics]


def test_a_new_batch_joins_existing_themes_and_only_the_residue_forms_new_ones(corpus):
    first = analyse_topics(corpus, n_topics=3)
    new = _docs(
        [
            "Encore une piste cyclable dangereuse près de l'école",
            "Des bancs au parc de la mairie",
            *[
                f"Les horaires de la piscine municipale sont trop courts le {d}"
                for d in (
                    "lundi",
                    "mardi",
                    "mercredi",
                    "jeudi",
                    "vendredi",
                    "samedi",
                    "dimanche",
                    "soir",
                    "matin",
                    "midi",
                )
            ],
        ],
        prefix="n",
    )
    second = analyse_topics(corpus + new, previous=first.state())
    for doc in corpus:  # nothing already placed moves
        assert second.assignments[doc.id] == first.assignments[doc.id]
    assert second.assignments["n0"] == first.assignments["d0"]
    assert second.assignments["n1"] == first.assignments["d6"]
    pool = {second.assignments[f"n{i}"] for i in range(2, 12)}
    old_ids = {t.id for t in first.themes}
    assert pool and not pool & old_ids, "the swimming-pool texts form a new theme"
    assert {t.id for t in second.themes} >= old_ids


def test_renamed_theme_keeps_its_name_on_the_next_run(corpus):
    first = analyse_topics(corpus, n_topics=3)
    bikes = first.assignments["d0"]
    state = rename_topic(first.state(), bikes, "Vélo en ville")
    second = analyse_topics(corpus + _docs(["Une piste cyclable de plus"], "n"), previous=state)
    theme = next(t for t in second.themes if t.id == bikes)
    assert theme.label == "Vélo en ville" and theme.label_pinned


def test_merged_themes_stay_merged(corpus):
    first = analyse_topics(corpus, n_topics=3)
    bikes, benches = first.assignments["d0"], first.assignments["d6"]
    state = merge_topics(first.state(), [benches], bikes)
    second = analyse_topics(corpus, previous=state)
    assert {second.assignments[f"d{i}"] for i in range(12)} == {bikes}
    assert benches not in {t.id for t in second.topics}


def test_split_theme_becomes_its_sub_themes():
    texts = CYCLING * 2 + BENCHES * 2
    first = analyse_topics(_docs(texts), n_topics=1)
    (theme,) = first.themes
    children = first.children(theme.id)
    assert len(children) >= 2, "a theme of 24 contributions has sub-themes"
    state, new_ids = split_topic(first.state(), theme.id)
    second = analyse_topics(_docs(texts), previous=state)
    assert {t.id for t in second.themes} == set(new_ids)
    for child, new_id in zip(children, new_ids, strict=True):
        members = {d for d, s in first.sub_assignments.items() if s == child.id}
        assert {second.assignments[d] for d in members} == {new_id}


def test_a_tagged_contribution_stays_in_its_theme(corpus):
    first = analyse_topics(corpus, n_topics=3)
    benches = first.assignments["d6"]
    state = tag_contribution(first.state(), "d0", benches)
    second = analyse_topics(corpus, previous=state)
    assert second.assignments["d0"] == benches
    assert second.pinned["d0"] == benches


def test_corrections_of_unknown_themes_are_refused(corpus):
    state = analyse_topics(corpus, n_topics=3).state()
    with pytest.raises(TopicError):
        merge_topics(state, ["t99"], "t1")
    with pytest.raises(TopicError):
        split_topic(state, "t1")  # six contributions each: no sub-themes


def test_empty_and_one_word_texts_are_handled():
    assert analyse_topics([]).topics == ()
    result = analyse_topics(_docs(["", "   ", "ok", "!!!", "vélo"]))
    assert (
        result.assignments["d0"] is None
        and result.assignments["d2"] is None
        and result.assignments["d3"] is None
    )
    assert result.assignments["d4"] is not None
    mixed = analyse_topics(_docs([*CYCLING, "", "ok", "42"]))
    assert mixed.assignments["d6"] is None and mixed.assignments["d8"] is None


def test_languages_are_detected_and_others_handled():
    assert detect_language("Il faut plus de pistes cyclables dans le quartier") == "fr"
    assert detect_language("We need more bike lanes in the city centre") == "en"
    assert detect_language("Wir brauchen mehr Radwege in der Stadt") == "de"
    assert detect_language("Necesitamos más carriles bici en la ciudad para los niños") == "es"
    assert detect_language("vélo") == "und" and detect_language("") == "und"
    english = [
        "We need safer bike lanes near the school",
        "The bike lanes downtown are dangerous for children",
        "Paint a bike lane on the main street",
        "More benches in the park for older people",
        "Replace the broken benches in the park",
        "Benches and shade trees in the park please",
    ]
    result = analyse_topics(
        _docs([*english, "自転車道をもっと増やしてください", "Πιο πολλοί ποδηλατόδρομοι"]), n_topics=2
    )
    assert result.languages["en"] == 6
    assert result.assignments["d0"] == result.assignments["d1"] != result.assignments["d3"]
    assert {t.label.lower().split(",")[0] for t in result.themes} & {"bike lanes", "bike", "benches", "park"}


def test_labels_use_the_words_people_wrote():
    normaliser = Normaliser()
    normaliser.terms("Les pistes cyclables, une piste cyclable, des pistes cyclables", "fr")
    assert normaliser.surface("pist cyclabl") == "pistes cyclables"
