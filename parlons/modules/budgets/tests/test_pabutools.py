"""Runs pabutools itself (dev dependency) side by side on small instances: same winners, same order of ideas."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from parlons.modules.budgets import pabulib
from parlons.modules.budgets.vote_rules import tally

pabutools = pytest.importorskip("pabutools", reason="pabutools is a dev dependency (pip install -e .[dev])")

from pabutools.election import Cost_Sat, parse_pabulib  # noqa: E402
from pabutools.rules import (  # noqa: E402
    completion_by_rule_combination,
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)

FIXTURES = Path(__file__).parent / "fixtures"


def reference(path: Path, rule: str) -> list[str]:
    instance, profile = parse_pabulib(str(path))
    mes = (method_of_equal_shares, {"sat_class": Cost_Sat})
    greedy = (greedy_utilitarian_welfare, {"sat_class": Cost_Sat})
    add1 = (
        exhaustion_by_budget_increase,
        {
            "rule": method_of_equal_shares,
            "rule_params": {"sat_class": Cost_Sat},
            "budget_step": profile.num_ballots(),
        },
    )
    steps = {"greedy": [greedy], "mes": [mes], "mes+greedy": [mes, greedy], "mes+add1": [add1]}
    steps["mes+add1+greedy"] = [add1, greedy]
    chosen = steps[rule]
    if len(chosen) == 1:
        outcome = chosen[0][0](instance, profile, **chosen[0][1])
    else:
        outcome = completion_by_rule_combination(
            instance, profile, [s[0] for s in chosen], [s[1] for s in chosen]
        )
    return sorted(p.name for p in outcome)


SMALL_SHARED = [
    "Netherlands_Assen_2024",
    "Switzerland_Zurich_D10",
    "US_Stanford_Dataset_PB_Rochester_NY_2019_vote_rankings",
]
RULES = ["greedy", "mes", "mes+greedy", "mes+add1", "mes+add1+greedy"]


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("fixture", ["approval_small.pb", "knapsack_small.pb", "ordinal_small.pb"])
def test_fixtures_like_pabutools(fixture, rule):
    path = FIXTURES / fixture
    assert sorted(tally(pabulib.load(str(path)).election(), rule).winners) == reference(path, rule)


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("name", SMALL_SHARED)
def test_small_shared_instances_like_pabutools(shared_data, name, rule):
    if "add1" in rule and name != "Switzerland_Zurich_D10" and os.environ.get("PARLONS_SLOW_TESTS") != "1":
        pytest.skip("pabutools needs 5-15 s per add1 run here: set PARLONS_SLOW_TESTS=1")
    path = shared_data / "pabulib" / f"{name}.pb"
    assert sorted(tally(pabulib.load(str(path)).election(), rule).winners) == reference(path, rule)
