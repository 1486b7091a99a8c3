"""The opinion-map math on small conversations written here: vote matrix, in-conversation set, groups,
representativeness, consensus, stability between updates, and too few votes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from parlons.insights.opinion.clustering import GroupState, opinion_groups
from parlons.insights.opinion.matrix import in_conversation, in_conversation_replay, vote_matrix
from parlons.insights.opinion.pipeline import OpinionMap, TooFewVotes, compute
from parlons.insights.opinion.repness import one_prop_test, two_prop_test


def planted(n_per_group=(30, 20), n_statements=20, seen=0.8, noise=0.1, seed=1):
    """Votes of planted camps: camp c agrees with statement j when sign pattern c says so."""
    rng = np.random.default_rng(seed)
    patterns = rng.choice([-1, 1], size=(len(n_per_group), n_statements))
    # A few statements everyone agrees with: the consensus to find.
    patterns[:, :3] = 1
    triples, truth = [], {}
    pid = 0
    for camp, size in enumerate(n_per_group):
        for _ in range(size):
            truth[pid] = camp
            for j in range(n_statements):
                if rng.random() < seen:
                    vote = patterns[camp, j] if rng.random() > noise else -patterns[camp, j]
                    triples.append((pid, j, int(vote)))
            pid += 1
    return triples, truth


def test_the_latest_vote_of_a_pair_counts_and_unseen_stays_empty():
    m = vote_matrix([("ann", "s1", 1), ("bob", "s1", -1), ("ann", "s1", -1), ("ann", "s2", 0)])
    assert m.participants == ("ann", "bob")
    assert m.statements == ("s1", "s2")
    assert m.values[0].tolist() == [-1, 0]
    assert np.isnan(m.values[1, 1])


def test_a_vote_outside_agree_disagree_pass_is_refused():
    with pytest.raises(ValueError, match="-1, 0 or 1"):
        vote_matrix([(1, 1, 2)])


def test_in_conversation_needs_seven_votes_then_tops_up_to_fifteen_and_never_drops_anyone():
    triples = [(p, s, 1) for p in range(20) for s in range(7 if p < 10 else 2)]
    m = vote_matrix(triples, statements=list(range(10)))
    mask = in_conversation(m)
    assert mask.sum() == 15  # 10 with seven votes, topped up with the 5 most active
    assert mask[:10].all()
    sticky = in_conversation(m, previous=[19, 18, 17, 16, 15, 14])
    assert all(sticky[p] for p in (14, 15, 16, 17, 18, 19))


def test_replayed_history_keeps_early_voters_in_the_conversation():
    # Participant 0 voted when a single statement existed: Pol.is let them in, and they stay.
    votes = [(0, 0, 1.0)] + [(p, s, 10.0 + p) for p in range(1, 20) for s in range(8)]
    members = in_conversation_replay(votes, statement_times=[0.5] + [5.0] * 9)
    assert 0 in members


def test_planted_groups_are_found_with_their_consensus():
    triples, truth = planted()
    result = compute(vote_matrix(triples))
    assert isinstance(result, OpinionMap)
    assert result.k == 2
    people = sorted(result.groups)
    assert adjusted_rand_score([truth[p] for p in people], [result.groups[p] for p in people]) == 1.0
    assert {0, 1, 2} & set(result.consensus_ids())
    assert set(result.shared) >= {0, 1, 2} & set(result.shared)
    assert all(len(stats) >= 1 for stats in result.repness)
    assert result.group_sizes[0] >= result.group_sizes[1]  # group 0 is the largest on a first computation


def test_groups_keep_their_numbers_and_count_when_a_few_votes_arrive():
    triples, _truth = planted(n_per_group=(25, 25, 20), seed=3)
    first = compute(vote_matrix(triples))
    assert first.k == 3
    more = triples + [(p, 0, 1) for p in range(5)] + [(200, j, 1) for j in range(10)]
    second = compute(
        vote_matrix(more),
        state=first.state,
        previous_in_conversation=first.in_conversation,
        previous_components=np.array(first.components),
    )
    assert second.k == 3
    common = [p for p in first.groups if p in second.groups]
    unchanged = sum(first.groups[p] == second.groups[p] for p in common)
    # Group A stays A: only a person on a border may move.
    assert unchanged >= len(common) - 2


def test_the_group_count_waits_for_a_steady_winner_before_changing():
    triples, _ = planted(n_per_group=(30, 30, 30), seed=5)
    points = compute(vote_matrix(triples))
    assert points.k == 3
    # Pretend the previous update had settled on 2 groups: one update alone does not switch to 3 unless
    # 3 separates clearly better (silhouette margin), and the pending count is remembered.
    held = opinion_groups(
        np.array([points.points[p] for p in points.in_conversation]),
        state=GroupState(k=2, pending_k=0, pending_streak=0),
    )
    assert held is not None
    if held.k == 2:
        assert held.state.pending_k == 3
    else:
        assert held.silhouettes[3] - held.silhouettes[2] >= 0.05


def test_too_few_votes_says_so_and_keeps_the_raw_counts():
    result = compute(vote_matrix([(1, "a", 1), (2, "a", -1), (2, "b", 0)]))
    assert isinstance(result, TooFewVotes)
    assert not result.ok
    assert result.reason == "participants"
    counts = {c.statement: (c.agree, c.disagree, c.passed) for c in result.counts}
    assert counts == {"a": (1, 1, 0), "b": (0, 0, 1)}


def test_identical_voters_cannot_form_groups():
    triples = [(p, s, 1) for p in range(10) for s in range(5)]
    result = compute(vote_matrix(triples))
    assert isinstance(result, TooFewVotes)
    assert result.reason == "positions"


def test_moderated_out_statements_are_never_representative_nor_consensus():
    triples, _ = planted()
    result = compute(vote_matrix(triples), excluded={0, 1, 2})
    assert {0, 1, 2}.isdisjoint(result.consensus_ids())
    assert all({0, 1, 2}.isdisjoint(ids) for ids in result.repness_ids().values())


def test_significance_tests_follow_polis():
    # 6 agrees out of 6: (6+1)/(6+1) -> 2*sqrt(7)*(1/2) = sqrt(7)
    assert one_prop_test(np.array(6), np.array(6)) == pytest.approx(7**0.5)
    assert two_prop_test(np.array(5), np.array(5), np.array(5), np.array(5)) == 0.0
    assert two_prop_test(np.array(9), np.array(1), np.array(10), np.array(10)) > 1.2816


def test_large_conversations_get_the_same_groups_every_time_and_keep_them_on_update():
    triples, truth = planted(n_per_group=(120, 90), n_statements=30, noise=0.2, seed=11)
    first = compute(vote_matrix(triples))
    again = compute(vote_matrix(triples))
    assert first.groups == again.groups  # seeded: the same votes give the same groups
    people = sorted(first.groups)
    assert adjusted_rand_score([truth[p] for p in people], [first.groups[p] for p in people]) > 0.95
    more = triples + [(p, 0, -1) for p in range(0, 210, 7)]
    second = compute(
        vote_matrix(more),
        state=first.state,
        previous_in_conversation=first.in_conversation,
        previous_components=np.array(first.components),
    )
    unchanged = sum(first.groups[p] == second.groups[p] for p in people)
    assert unchanged >= 0.97 * len(people)
