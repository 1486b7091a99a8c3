"""The vote rules on hand-made elections (computed by hand in the comments) and against the exact path."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest

from parlons.modules.budgets import pabulib
from parlons.modules.budgets.vote_rules import RULES, Election, RuleError, tally

FIXTURES = Path(__file__).parent / "fixtures"


def election(name: str) -> Election:
    return pabulib.load(str(FIXTURES / name)).election()


# approval_small: budget 100, 6 voters (share 50/3); a 60 {1,2,3}, b 50 {1,2,6}, c 40 {4,5}, d 30 {4,6}.
@pytest.mark.parametrize(
    ("rule", "winners", "cost"),
    [
        ("greedy", ("a", "c"), 100),  # a and b tie on 3 supporters: a first by id; b no longer fits
        ("greedy-stop", ("a",), 60),  # stops at b, the first that does not fit
        ("mes", ("b",), 50),  # b's supporters hold exactly its cost: the exact path decides
        ("mes+greedy", ("b", "c"), 90),
        ("mes+add1", ("a", "c"), 100),  # share +4: a and b tie at 1/3 per unit of cost, a wins by id
        ("mes+add1+greedy", ("a", "c"), 100),
    ],
)
def test_rules_on_a_small_approval_election(rule, winners, cost):
    outcome = tally(election("approval_small.pb"), rule)
    assert outcome.winners == winners
    assert outcome.cost == cost
    assert outcome.left == 100 - cost


def test_exact_budget_boundary_is_recomputed_in_fractions():
    outcome = tally(election("approval_small.pb"), "mes")
    assert outcome.exact_reruns == 1
    assert outcome.per_voter_share == Fraction(50, 3)
    (line,) = outcome.explanation
    assert (line.project_id, line.stage, line.supporters, line.paid_in_full) == ("b", "mes", 3, 3)
    assert line.price_per_supporter == pytest.approx(50 / 3)


def test_add1_reports_the_raised_share():
    outcome = tally(election("approval_small.pb"), "mes+add1")
    assert outcome.per_voter_share == Fraction(50, 3) + 4


def test_cumulative_ballots_count_supporters_with_points():
    # budget 10, 4 voters (v4 gives 0 points: supports nothing); x1 6 {v1,v2}, x2 4 {v1,v3}, x3 5 {v3}.
    el = election("cumulative_small.pb")
    assert tally(el, "greedy").winners == ("x1", "x2")
    assert tally(el, "mes").winners == ("x2",)
    assert tally(el, "mes").supporters == {"x1": 2, "x2": 2, "x3": 1}


def test_ties_follow_code_point_order_of_string_ids():
    # "01" < "1" < "10"; every project has 2 supporters.
    el = election("ordinal_small.pb")
    assert tally(el, "greedy").winners == ("01", "1")
    assert tally(el, "mes").winners == ("1",)  # "1" and "10" tie at price 2


@pytest.mark.parametrize(
    ("rule", "winners"),
    [
        ("greedy", ("P4", "P3", "P2")),
        ("greedy-stop", ("P4", "P3")),
        ("mes", ("P4", "P3")),
        ("mes+greedy", ("P4", "P3", "P2")),  # 500 left: P1 (600) no longer fits, P2 (500) does
    ],
)
def test_knapsack_ballots(rule, winners):
    assert tally(election("knapsack_small.pb"), rule).winners == winners


def test_mes_explanation_shows_what_supporters_paid():
    outcome = tally(election("knapsack_small.pb"), "mes")
    first, second = outcome.explanation
    # 5 voters, 200 each: P4 (200) costs its 4 supporters 50 each, then P3 (300) 100 each.
    assert (first.project_id, first.round, first.price_per_supporter, first.paid_in_full) == (
        "P4",
        1,
        50.0,
        4,
    )
    assert (second.project_id, second.round, second.price_per_supporter) == ("P3", 2, 100.0)


def test_no_voters_no_winners_for_mes():
    el = Election(budget=10, costs={"a": 5}, ballots=[])
    assert tally(el, "mes").winners == ()
    # Like pabutools, greedy ranks unsupported projects last but still funds them when they fit.
    assert tally(el, "greedy").winners == ("a",)


def test_bad_input():
    with pytest.raises(RuleError, match="Unknown rule"):
        tally(Election(budget=10, costs={"a": 5}, ballots=[]), "borda")
    with pytest.raises(RuleError, match="negative cost"):
        Election(budget=10, costs={"a": -5}, ballots=[])
    with pytest.raises(RuleError, match="unknown project"):
        tally(Election(budget=10, costs={"a": 5}, ballots=[("b",)]), "mes")


@pytest.mark.parametrize("seed", range(12))
def test_float_path_agrees_with_exact_fractions(seed):
    rng = random.Random(seed)
    projects = {f"p{i}": rng.choice([10, 20, 25, 30, 40, 50, 60, 75]) for i in range(rng.randint(3, 9))}
    ids = list(projects)
    ballots = [rng.sample(ids, rng.randint(0, len(ids))) for _ in range(rng.randint(5, 40))]
    el = Election(budget=rng.choice([100, 120, 150, 200]), costs=projects, ballots=ballots)
    for rule in RULES:
        assert tally(el, rule).winners == tally(el, rule, exact=True).winners, rule


@pytest.mark.parametrize("seed", range(40))
def test_add1_skipping_never_changes_the_outcome(seed, monkeypatch):
    from parlons.modules.budgets import vote_rules

    rng = random.Random(1000 + seed)
    projects = {
        f"p{i}": rng.choice([10, 15, 20, 25, 30, 40, 50, 60, 75, 90, 120]) for i in range(rng.randint(4, 14))
    }
    ids = list(projects)
    ballots = [rng.sample(ids, rng.randint(0, min(5, len(ids)))) for _ in range(rng.randint(5, 80))]
    # Large budgets make long walks of shares, where skipping and bisecting matter most.
    el = Election(budget=rng.choice([100, 150, 200, 300, 500, 1000, 3000]), costs=projects, ballots=ballots)
    skipping = tally(el, "mes+add1").winners
    monkeypatch.setattr(vote_rules, "_same_outcome_between", lambda low, high: False)
    assert tally(el, "mes+add1").winners == skipping  # one unit at a time, as defined


def test_published_tie_rules():
    # "a" and "b" have the same supporters: by id "a" wins, by cost the cheaper "b".
    el = Election(budget=100, costs={"a": 60, "b": 50}, ballots=[("a", "b"), ("a", "b")])
    for rule in ("greedy", "mes"):
        assert tally(el, rule).winners == ("a",)
        assert tally(el, rule, tie_break="cost").winners == ("b",)
    with pytest.raises(RuleError, match="Unknown tie rule"):
        tally(el, "mes", tie_break="random")


@pytest.mark.parametrize("rule", ["greedy", "mes"])
def test_a_project_named_twice_on_a_ballot_counts_once(rule):
    """Ballots from elsewhere than the .pb parser or the platform may repeat a project: one supporter still."""
    election = Election(budget=10, costs={"a": 6, "b": 6}, ballots=[("a", "a", "a"), ("b",), ("b",)])
    outcome = tally(election, rule)
    assert outcome.supporters == {"a": 1, "b": 2}
    assert outcome.winners == ("b",)
