"""The questionnaire logic alone (no database): conditions, scores, path, piping, answers, definition checks."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parlons.modules.surveys import logic
from parlons.modules.surveys.demo_survey import mobility_survey

DEMO = mobility_survey()
BASE = {"age": {"choice": "25-44"}, "quartier": {"choice": "centre"}}


def codes(definition):
    return {p.code for p in logic.validate_definition(definition)}


def q(key, type_="short_text", **extra):
    return {"key": key, "type": type_, "text": {"fr": key.upper(), "en": key}, **extra}


def choice(key, values=("a", "b", "c"), type_="single_choice", **extra):
    return q(key, type_, options=[{"value": v, "label": {"fr": v.upper(), "en": v}} for v in values], **extra)


def page(key, *questions, **extra):
    return {
        "key": key,
        "title": {"fr": key},
        "sections": [{"key": f"{key}_s", "questions": list(questions)}],
        **extra,
    }


def test_demo_definition_is_valid():
    assert logic.validate_definition(DEMO) == []


# --- Conditions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "answer", "value", "expected"),
    [
        ("equals", {"choice": "a"}, "a", True),
        ("equals", {"choice": "a"}, "b", False),
        ("equals", {"choices": ["a", "b"]}, ["b", "a"], True),  # a set of choices, in any order
        ("not_equals", {"choice": "a"}, "b", True),
        ("contains", {"choices": ["a", "b"]}, "b", True),
        ("contains", {"choices": ["a"]}, "b", False),
        ("contains", "Les trottoirs sont sales", "TROTTOIRS", True),
        ("gt", 7, 5, True),
        ("gt", 5, 5, False),
        ("gte", 5, 5, True),
        ("lt", 2, 3, True),
        ("lte", 4, 3, False),
        ("any_of", {"choice": "b"}, ["a", "b"], True),
        ("any_of", {"choices": ["c"]}, ["a", "b"], False),
        ("answered", "x", None, True),
        ("answered", None, None, False),
        ("gt", "not a number", 3, False),
    ],
)
def test_leaf_operators(op, answer, value, expected):
    condition = {"source": "answer", "ref": "x", "op": op, "value": value}
    assert logic.evaluate(condition, answers={"x": answer}) is expected


def test_equals_on_a_multiple_choice_compares_the_sets():
    condition = {"ref": "x", "op": "equals", "value": ["marche"]}
    assert logic.evaluate(condition, answers={"x": {"choices": ["marche"]}})
    assert not logic.evaluate(condition, answers={"x": {"choices": ["marche", "bus"]}})


def test_and_or_not_combinations():
    a = {"ref": "a", "op": "equals", "value": "1"}
    b = {"ref": "b", "op": "gt", "value": 3}
    answers = {"a": "1", "b": 2}
    assert logic.evaluate({"any": [a, b]}, answers=answers)
    assert not logic.evaluate({"all": [a, b]}, answers=answers)
    assert logic.evaluate({"all": [a, {"not": b}]}, answers=answers)
    assert logic.evaluate({}, answers={})


def test_missing_answer_makes_a_leaf_false():
    assert not logic.evaluate({"ref": "a", "op": "lt", "value": 3}, answers={})


def test_profile_and_score_sources():
    profile = {"district": "nord", "age_group": "65-plus", "topics": ["mobilite", "culture"]}
    assert logic.evaluate(
        {"source": "profile", "ref": "district", "op": "equals", "value": "nord"}, answers={}, profile=profile
    )
    assert logic.evaluate(
        {"source": "profile", "ref": "topics", "op": "contains", "value": "mobilite"},
        answers={},
        profile=profile,
    )
    assert not logic.evaluate(
        {"source": "profile", "ref": "age_group", "op": "any_of", "value": ["moins-25"]},
        answers={},
        profile=profile,
    )
    assert logic.evaluate(
        {"source": "score", "ref": "s", "op": "gte", "value": 2}, answers={}, scores={"s": 3.0}
    )


def test_scores_add_points_and_factors():
    definition = {
        "pages": [page("p", choice("c", type_="multiple_choice"), q("n", "number"))],
        "scores": [
            {
                "key": "s",
                "parts": [{"question": "c", "points": {"a": 2, "b": 1}}, {"question": "n", "factor": 0.5}],
            }
        ],
    }
    assert logic.compute_scores(definition, {"c": {"choices": ["a", "b"]}, "n": 4}) == {"s": 5.0}
    assert logic.compute_scores(definition, {}) == {"s": 0.0}


# --- Path and progress -------------------------------------------------------------------------------


def test_path_of_a_walker_skips_car_questions_and_parking_page():
    path = logic.compute_path(DEMO, {**BASE, "modes": {"choices": ["marche"]}})
    assert "stationnement" not in path.page_keys
    assert "km_voiture" not in path.question_keys and "securite_velo" not in path.question_keys
    assert path.next_page("deplacements") == "satisfaction"


def test_path_of_a_driver_and_cyclist():
    answers = {**BASE, "modes": {"choices": ["voiture", "velo"]}}
    path = logic.compute_path(DEMO, answers)
    assert path.questions_of("deplacements") == ["modes", "km_voiture", "securite_velo"]
    assert path.next_page("deplacements") == "stationnement"


def test_deepen_rule_adds_follow_ups_on_strong_concern():
    calm = logic.compute_path(DEMO, {**BASE, "modes": {"choices": ["bus"]}, "note": 8})
    upset = logic.compute_path(DEMO, {**BASE, "modes": {"choices": ["bus"]}, "note": 2})
    assert "pourquoi" not in calm.question_keys
    assert upset.questions_of("satisfaction")[:3] == ["note", "pourquoi", "ou"]


def test_score_condition_shows_the_contact_page():
    few = logic.compute_path(DEMO, {**BASE, "modes": {"choices": ["bus"]}, "note": 6})
    many = logic.compute_path(
        DEMO,
        {
            **BASE,
            "modes": {"choices": ["velo", "voiture"]},
            "securite_velo": 1,
            "stationnement": {"choice": "difficile"},
        },
    )
    assert "contact" not in few.page_keys
    assert "contact" in many.page_keys and many.scores["difficultes"] == 4


def test_profile_condition():
    answers = {**BASE, "modes": {"choices": ["bus"]}}
    assert "ligne_bus" not in logic.compute_path(DEMO, answers, {"topics": []}).question_keys
    assert "ligne_bus" in logic.compute_path(DEMO, answers, {"topics": ["mobilite"]}).question_keys


def test_answers_from_another_branch_are_ignored():
    # The person first said "car", answered the parking page, then changed to "on foot".
    answers = {
        **BASE,
        "modes": {"choices": ["marche"]},
        "km_voiture": 40,
        "stationnement": {"choice": "difficile"},
    }
    path = logic.compute_path(DEMO, answers)
    assert "km_voiture" not in path.answers and "stationnement" not in path.answers
    assert path.scores["difficultes"] == 0


def test_progress_is_computed_on_the_actual_path():
    walker = logic.compute_path(DEMO, {**BASE, "modes": {"choices": ["marche"]}})
    driver = logic.compute_path(DEMO, {**BASE, "modes": {"choices": ["voiture"]}})
    # Same three answers, but the driver's path is longer (distance, parking).
    assert walker.answered == driver.answered == 3
    assert len(driver.question_keys) == len(walker.question_keys) + 2
    assert walker.progress() > driver.progress()
    assert logic.compute_path({"pages": []}, {}).progress() == 100


def test_missing_required_on_a_page():
    path = logic.compute_path(DEMO, {**BASE, "modes": {"choices": ["bus"]}, "note": 1})
    assert logic.missing_required(DEMO, path, "satisfaction") == ["pourquoi"]


# --- Piping ------------------------------------------------------------------------------------------


def test_piping_shows_labels_in_the_respondent_language():
    definition = {
        "pages": [
            page(
                "p",
                choice("c"),
                q("t", text={"fr": "Vous avez choisi {{c}} ({{ n }}).", "en": "You chose {{c}}."}),
                q("n", "number"),
            )
        ]
    }
    assert (
        logic.pipe("Vous avez choisi {{c}} ({{ n }}).", definition, {"c": {"choice": "b"}, "n": 3}, "fr")
        == "Vous avez choisi B (3)."
    )
    assert logic.pipe("You chose {{c}}.", definition, {"c": {"choice": "b"}}, "en") == "You chose b."
    assert logic.pipe("You chose {{c}}.", definition, {}, "en") == "You chose …."


def test_piping_of_other_and_multiple():
    definition = {"pages": [page("p", choice("c", type_="multiple_choice", allow_other=True))]}
    answer = {"choices": ["a", logic.OTHER], "other": "trottinette"}
    assert logic.pipe("{{c}}", definition, {"c": answer}, "fr") == "A, trottinette"


def test_translation_fallback():
    assert logic.tr({"fr": "Bonjour", "en": "Hello"}, "en") == "Hello"
    assert logic.tr({"fr": "Bonjour"}, "en") == "Bonjour"
    assert logic.tr({"en": "Hello"}, "de") == "Hello"
    assert logic.tr(None, "fr") == ""


# --- Answers of every type ----------------------------------------------------------------------------


def err(question, value):
    with pytest.raises(logic.AnswerError) as info:
        logic.validate_answer(question, value)
    return info.value.code


def test_text_answers():
    assert logic.validate_answer(q("t"), "  Bonjour ") == "Bonjour"
    assert logic.validate_answer(q("t"), "") is None
    assert err(q("t"), "x" * 501) == "too_long"
    assert logic.validate_answer(q("t", "long_text"), "x" * 4000)


def test_single_choice_with_other():
    question = choice("c", allow_other=True)
    assert logic.validate_answer(question, "a") == {"choice": "a"}
    assert err(question, "z") == "not_a_choice"
    assert err(question, {"choice": logic.OTHER, "other": " "}) == "other_missing"
    assert logic.validate_answer(question, {"choice": logic.OTHER, "other": "Tram"}) == {
        "choice": logic.OTHER,
        "other": "Tram",
    }
    assert err(choice("c"), {"choice": logic.OTHER, "other": "Tram"}) == "not_a_choice"


def test_multiple_choice_min_max():
    question = choice("m", type_="multiple_choice", min_choices=2, max_choices=2)
    assert logic.validate_answer(question, ["a", "b"]) == {"choices": ["a", "b"]}
    assert err(question, ["a"]) == "too_few_choices"
    assert err(question, ["a", "b", "c"]) == "too_many_choices"
    assert err(question, ["a", "a"]) == "not_a_choice"
    assert err(question, ["a", "zz"]) == "not_a_choice"


def test_ranking():
    question = choice("r", type_="ranking", required=True)
    assert logic.validate_answer(question, ["c", "a", "b"]) == ["c", "a", "b"]
    assert err(question, ["a", "a", "b"]) == "bad_ranking"
    assert err(question, ["a", "b"]) == "rank_all"
    assert logic.validate_answer(choice("r", type_="ranking"), ["b"]) == ["b"]


def test_scale_and_matrix():
    five, ten = q("s", "scale", min=1, max=5), q("s", "scale", min=0, max=10)
    assert logic.validate_answer(five, "4") == 4
    assert err(five, 0) == "out_of_range"
    assert logic.validate_answer(ten, 0) == 0
    assert err(ten, 11) == "out_of_range"
    assert err(ten, 2.5) == "not_a_whole_number"
    matrix = q("m", "matrix", min=1, max=5, required=True, rows=[{"key": "x"}, {"key": "y"}])
    assert logic.validate_answer(matrix, {"x": "2", "y": 5}) == {"x": 2, "y": 5}
    assert err(matrix, {"x": 2}) == "answer_every_row"
    assert err(matrix, {"x": 2, "z": 3}) == "not_a_choice"
    assert err(matrix, {"x": 9, "y": 1}) == "out_of_range"


def test_statements():
    question = q("a", "statements", rows=[{"key": "x"}, {"key": "y"}])
    assert logic.validate_answer(question, {"x": "agree", "y": ""}) == {"x": "agree"}
    assert err(question, {"x": "maybe"}) == "not_a_choice"


def test_number_and_date():
    question = q("n", "number", min=0, max=100, integer=True)
    assert logic.validate_answer(question, "42") == 42
    assert logic.validate_answer(q("n", "number"), "3,5") == 3.5
    assert err(question, "abc") == "not_a_number"
    assert err(question, 101) == "out_of_range"
    assert err(question, 1.5) == "not_a_whole_number"
    day = q("d", "date", min="2024-01-01", max="2030-12-31")
    assert logic.validate_answer(day, "2025-03-04") == "2025-03-04"
    assert err(day, "04/03/2025") == "not_a_date"
    assert err(day, "2019-01-01") == "date_out_of_range"


def test_map_answers():
    point = q("p", "map_point", bounds=[0.9, 47.3, 1.1, 47.5])
    assert logic.validate_answer(point, {"lon": "0.98", "lat": 47.4}) == {"lon": 0.98, "lat": 47.4}
    assert err(point, {"lon": 5, "lat": 47.4}) == "outside_area"
    assert err(point, {"lon": "x", "lat": 1}) == "bad_position"
    assert err(point, {"lon": 200, "lat": 1}) == "bad_position"
    line = q("l", "map_line")
    assert logic.validate_answer(line, [[0.9, 47.3], [1.0, 47.4]]) == {
        "coordinates": [[0.9, 47.3], [1.0, 47.4]]
    }
    assert err(q("a", "map_area"), [[0.9, 47.3], [1.0, 47.4]]) == "too_few_points"


def test_lines_and_areas_drawn_on_the_map_are_checked_on_the_server():
    line = q("l", "map_line", bounds=[0.9, 47.3, 1.1, 47.5])
    area = q("a", "map_area", bounds=[0.9, 47.3, 1.1, 47.5])
    # A vertex clicked twice counts once: two clicks on the same spot are not a line.
    assert err(line, [[0.95, 47.35], [0.95, 47.35]]) == "too_few_points"
    assert logic.validate_answer(line, {"coordinates": [[0.95, 47.35], [0.95, 47.35], [1.0, 47.4]]}) == {
        "coordinates": [[0.95, 47.35], [1.0, 47.4]]
    }
    # An area drawn back to its first point is stored once, open; a closed triangle of 3 corners is valid.
    triangle = [[0.95, 47.35], [1.0, 47.4], [1.05, 47.35], [0.95, 47.35]]
    assert logic.validate_answer(area, triangle) == {"coordinates": triangle[:3]}
    assert err(area, [[0.95, 47.35], [1.0, 47.4], [0.95, 47.35]]) == "too_few_points"
    # Every vertex must be a real position inside the survey's area.
    assert err(line, [[0.95, 47.35], [1.2, 47.4]]) == "outside_area"
    assert err(area, [[0.95, 47.35], ["x", 47.4], [1.0, 47.4]]) == "bad_position"
    assert err(line, [[0.95, 47.35], [float("nan"), 47.4]]) == "bad_position"
    assert err(line, [[0.95, 47.35], [0.96]]) == "bad_position"
    assert err(line, "not a list") == "bad_position"
    too_many = [[0.9 + i / 10_000, 47.4] for i in range(logic.MAX_SHAPE_POINTS + 1)]
    assert err(line, too_many) == "too_many_points"


def test_messages_of_refused_lines_and_areas():
    from parlons.modules.surveys.messages import answer_message

    assert "3" in answer_message(logic.AnswerError("too_few_points", min=3))
    assert str(logic.MAX_SHAPE_POINTS) in answer_message(
        logic.AnswerError("too_many_points", max=logic.MAX_SHAPE_POINTS)
    )


def test_drawn_line_typed_as_latitude_longitude_lines_reaches_the_validation():
    from django.http import QueryDict

    from parlons.modules.surveys import forms

    definition = {
        "pages": [
            {
                "key": "p",
                "sections": [
                    {"key": "s", "questions": [{"key": "trace", "type": "map_line", "text": {"fr": "Trace"}}]}
                ],
            }
        ]
    }
    post = QueryDict(mutable=True)
    post["trace"] = "47.35 0.95\n47.40; 1.00\n"
    located = list(logic.iter_questions(definition))
    values = forms.read_page(post, located)
    assert logic.validate_answer(located[0].question, values["trace"]) == {
        "coordinates": [[0.95, 47.35], [1.0, 47.4]]
    }
    post["trace"] = "47.35 0.95\nnowhere\n"
    assert err(located[0].question, forms.read_page(post, located)["trace"]) == "bad_position"


def test_file_answer_needs_a_stored_file():
    assert (
        logic.validate_answer(q("f", "file"), {"file": "surveys/x.jpg", "name": "x.jpg"})["file"]
        == "surveys/x.jpg"
    )
    assert err(q("f", "file"), "x") == "bad_file"


@given(st.integers(min_value=-20, max_value=20))
def test_scale_accepts_exactly_its_range(value):
    question = q("s", "scale", min=0, max=10)
    if 0 <= value <= 10:
        assert logic.validate_answer(question, value) == value
    else:
        assert err(question, value) == "out_of_range"


@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=5))
def test_multiple_choice_never_accepts_more_than_max(chosen):
    question = choice("m", values=("a", "b", "c", "d"), type_="multiple_choice", max_choices=2)
    try:
        result = logic.validate_answer(question, chosen)
    except logic.AnswerError:
        assert len(chosen) > 2 or len(set(chosen)) != len(chosen)
    else:
        assert result is None or len(result["choices"]) <= 2


# --- Definition checks --------------------------------------------------------------------------------


def test_refuses_a_cycle_between_questions_and_names_them():
    definition = {
        "pages": [
            page(
                "p",
                choice("a", condition={"ref": "b", "op": "equals", "value": "a"}),
                choice("b", condition={"ref": "a", "op": "equals", "value": "a"}),
            )
        ]
    }
    problems = [p for p in logic.validate_definition(definition) if p.code == "cycle"]
    assert problems and "a" in problems[0].subject and "b" in problems[0].subject


def test_refuses_a_question_depending_on_itself():
    definition = {"pages": [page("p", choice("a", condition={"ref": "a", "op": "equals", "value": "a"}))]}
    assert "cycle" in codes(definition)


def test_refuses_a_dependency_on_a_later_question():
    definition = {"pages": [page("p", q("a", condition={"ref": "b", "op": "answered"}), q("b"))]}
    problems = logic.validate_definition(definition)
    assert [(p.code, p.subject, p.params["ref"]) for p in problems] == [("forward_reference", "a", "b")]


def test_refuses_a_jump_backwards_as_a_cycle():
    definition = {
        "pages": [
            page("p1", q("a")),
            page("p2", q("b"), jumps=[{"when": {"ref": "b", "op": "answered"}, "to": "p1"}]),
        ]
    }
    problems = [p for p in logic.validate_definition(definition) if p.code == "cycle"]
    assert problems and problems[0].subject == "p1 → p2 → p1"


def test_refuses_unreachable_pages_and_questions():
    skipped = {"pages": [page("p1", q("a"), jumps=[{"to": "p3"}]), page("p2", q("b")), page("p3", q("c"))]}
    problems = {p.code: p.subject for p in logic.validate_definition(skipped)}
    assert problems["unreachable_page"] == "p2"
    assert problems["unreachable_question"] == "b"
    impossible = {
        "pages": [page("p", choice("a"), q("b", condition={"ref": "a", "op": "equals", "value": "zz"}))]
    }
    assert {p.code: p.subject for p in logic.validate_definition(impossible)} == {"unreachable_question": "b"}


def test_refuses_references_to_deleted_questions_pages_and_scores():
    definition = {
        "pages": [
            page(
                "p",
                q("a", condition={"ref": "gone", "op": "answered"}),
                jumps=[{"when": None, "to": "nowhere"}],
            ),
        ],
        "scores": [{"key": "s", "parts": [{"question": "removed"}]}],
    }
    found = {(p.code, p.params.get("ref")) for p in logic.validate_definition(definition)}
    assert {
        ("unknown_question", "gone"),
        ("unknown_page", "nowhere"),
        ("unknown_question", "removed"),
    } <= found


def test_refuses_bad_questions():
    definition = {
        "pages": [
            page(
                "p",
                q("a", "teleport"),
                choice("b", values=("x",)),
                choice("a"),
                q("c", "scale", min=5, max=1),
                q("Bad key"),
                q("m", "matrix"),
                {"key": "n", "type": "short_text"},
            )
        ]
    }
    assert {
        "unknown_type",
        "too_few_options",
        "duplicate_key",
        "bad_range",
        "bad_key",
        "no_rows",
        "no_text",
    } <= codes(definition)
    assert codes({"pages": []}) == {"no_pages"}


def test_deleting_a_question_used_by_a_rule_is_refused():
    broken = copy.deepcopy(DEMO)
    broken["pages"][1]["sections"][0]["questions"] = broken["pages"][1]["sections"][0]["questions"][1:]
    problems = logic.validate_definition(broken)
    assert any(p.code == "unknown_question" and p.params["ref"] == "modes" for p in problems)
