"""``parlons opinion_groups DIR --json`` on a Pol.is export folder."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from parlons.insights.opinion.polis_format import Comment, PolisConversation, Vote, write_conversation


def run(folder) -> dict:
    out = io.StringIO()
    call_command("opinion_groups", str(folder), "--json", stdout=out)
    return json.loads(out.getvalue())


def test_groups_consensus_and_repness_of_a_real_conversation(shared_data):
    folder = shared_data / "polis" / "canadian-electoral-reform"
    if not folder.is_dir():
        pytest.skip(f"real data not found at {folder} (set PARLONS_SHARED_DATA)")
    data = run(folder)
    assert set(data) == {"groups", "consensus", "repness", "seconds"}
    assert len(set(data["groups"].values())) == 2
    assert len(data["groups"]) > 250
    assert data["consensus"]
    assert set(data["repness"]) == {"0", "1"}
    assert all(data["repness"].values())
    assert data["seconds"] < 10


def test_too_few_votes_gives_empty_groups_and_the_raw_counts(tmp_path):
    write_conversation(
        tmp_path,
        PolisConversation(
            votes=[Vote(1, 0, 0, 1), Vote(2, 1, 0, -1), Vote(3, 0, 1, 1)],
            comments=[Comment(0, 0, "Plus d'arbres"), Comment(1, 0, "Moins de voitures")],
        ),
    )
    data = run(tmp_path)
    assert data["groups"] == {}
    assert data["too_few_votes"]["reason"] == "participants"
    assert data["too_few_votes"]["counts"][0] == {"statement": 0, "agree": 2, "disagree": 0, "pass": 0}


def test_a_malformed_folder_fails_with_the_line_and_reason(tmp_path):
    (tmp_path / "votes.csv").write_text("timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0,yes\n")
    with pytest.raises(CommandError, match=r"votes\.csv, line 2: vote must be a whole number"):
        run(tmp_path)
