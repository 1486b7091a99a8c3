"""The .pb reader and writer: sections, quoting, line endings, string ids, ballot types, and malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from parlons.modules.budgets import pabulib

FIXTURES = Path(__file__).parent / "fixtures"

GOOD = "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\na;60\nb;40\nVOTES\nvoter_id;vote\n1;a,b\n"


def test_reads_crlf_quotes_and_extra_columns():
    pb = pabulib.load(str(FIXTURES / "approval_small.pb"))
    assert pb.meta["description"] == 'Quartier; test "A"'
    assert pb.projects["a"]["name"] == "Parc; jeux"
    assert pb.costs == {"a": 60, "b": 50, "c": 40, "d": 30}
    assert pb.budget == 100
    assert [v.projects for v in pb.votes][:2] == [("a", "b"), ("a", "b")]


def test_ballot_types():
    cumulative = pabulib.load(str(FIXTURES / "cumulative_small.pb"))
    assert cumulative.votes[0].points == (4, 1)
    ordinal = pabulib.load(str(FIXTURES / "ordinal_small.pb"))
    assert ordinal.votes[0].projects == ("1", "01")  # rank order kept, ids stay strings
    assert ordinal.votes[0].points == (2, 1)  # L - r
    empty = pabulib.loads(GOOD.replace("1;a,b", "1;None"))
    assert empty.votes[0].projects == ()


def test_round_trip():
    pb = pabulib.load(str(FIXTURES / "cumulative_small.pb"))
    text = pabulib.dumps(
        meta=pb.meta, projects=[{"project_id": k, "cost": c} for k, c in pb.costs.items()], votes=pb.votes
    )
    again = pabulib.loads(text)
    assert again.costs == pb.costs
    assert [(v.voter_id, v.projects, v.points) for v in again.votes] == [
        (v.voter_id, v.projects, v.points) for v in pb.votes
    ]


def test_decimal_costs_and_bom():
    pb = pabulib.loads("\ufeff" + GOOD.replace("a;60", "a;60.5"))
    assert float(pb.costs["a"]) == 60.5


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (GOOD.replace("budget;100\n", ""), 4, "no budget"),
        (GOOD.replace("a;60", "a;sixty"), 7, "cost is not a number"),
        (GOOD.replace("a;60", "a;-60"), 7, "negative cost"),
        (GOOD.replace("b;40", "a;40"), 8, "appears twice"),
        (GOOD.replace("1;a,b", "1;a,z"), 11, "unknown project 'z'"),
        (GOOD.replace("1;a,b", "1;a,a"), 11, "twice on the same ballot"),
        (GOOD + "1;a\n", 12, "votes twice"),
        (GOOD.replace("1;a,b", "1;a;b"), 11, "3 fields"),
        (GOOD.replace("approval", "borda"), 5, "unknown vote_type"),
        (GOOD.replace("project_id;cost", "id;cost"), 6, "no 'project_id'"),
        (GOOD.replace("PROJECTS\n", ""), 8, "section VOTES found where PROJECTS"),
        (GOOD.replace("VOTES\nvoter_id;vote\n1;a,b\n", ""), 0, "missing VOTES"),
        ("budget;1\n", 1, "before the META"),
        (GOOD.replace("1;a,b", '1;"a,b'), 11, "badly quoted"),
        (
            GOOD.replace("approval", "cumulative")
            .replace("voter_id;vote", "voter_id;vote;points")
            .replace("1;a,b", "1;a,b;3"),
            11,
            "1 points for 2 projects",
        ),
    ],
)
def test_malformed_files_name_line_and_reason(text, line, reason):
    with pytest.raises(pabulib.PabulibError) as info:
        pabulib.loads(text)
    assert info.value.line == line
    assert reason in info.value.reason


def test_not_utf8(tmp_path):
    path = tmp_path / "bad.pb"
    path.write_bytes(b"META\nkey;value\ndescription;\xff\n")
    with pytest.raises(pabulib.PabulibError, match="not UTF-8"):
        pabulib.load(str(path))
