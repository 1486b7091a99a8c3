"""Reading and writing Pol.is's export format, and the line-and-reason errors of malformed files."""

from __future__ import annotations

import numpy as np
import pytest

from parlons.insights.opinion.polis_format import (
    Comment,
    PolisConversation,
    PolisFormatError,
    Vote,
    parse_comments,
    parse_participant_groups,
    parse_votes,
    read_conversation,
    write_conversation,
)

VOTES = "timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0,1\n2,x,1,0,-1\n3,x,0,1,0\n4,x,0,0,-1\n"
COMMENTS = (
    "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
    '1,x,0,0,1,1,1,"Plus d\'arbres, place du Marché"\n2,x,1,1,0,1,-1,Hors sujet\n'
)


def test_a_written_export_reads_back_the_same(tmp_path):
    conversation = PolisConversation(
        votes=[Vote(1000, 0, 0, 1), Vote(2000, 1, 0, -1), Vote(3000, 0, 1, 0), Vote(4000, 0, 0, -1)],
        comments=[Comment(0, 0, "Plus d'arbres, place du Marché"), Comment(1, 1, "Hors sujet", moderated=-1)],
    )
    write_conversation(tmp_path, conversation, groups={0: 0, 1: None})
    back = read_conversation(tmp_path)
    assert back.votes == sorted(conversation.votes, key=lambda v: v.timestamp)
    assert [c.body for c in back.comments] == ["Plus d'arbres, place du Marché", "Hors sujet"]
    assert back.moderated_out() == {1}
    assert back.groups == {0: 0, 1: None}
    m = back.matrix()
    assert m.values[0].tolist() == [-1, -1]  # the latest vote of participant 0 on comment 0 wins
    assert m.values[1, 0] == 0 and np.isnan(m.values[1, 1])


def test_votes_and_comments_parse():
    assert len(parse_votes(VOTES)) == 4
    comments = parse_comments(COMMENTS)
    assert comments[0].body == "Plus d'arbres, place du Marché"
    assert comments[1].moderated == -1


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "empty"),
        ("timestamp,comment-id,vote\n", 1, "missing column(s): voter-id"),
        ("timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0,1\n2,x,0,1,2\n", 3, "vote must be 1, -1 or 0"),
        ("timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0\n", 2, "4 fields where the header has 5"),
        (
            "timestamp,datetime,comment-id,voter-id,vote\n1,x,zero,0,1\n",
            2,
            "comment-id must be a whole number",
        ),
    ],
)
def test_malformed_votes_name_the_line_and_the_reason(text, line, reason):
    with pytest.raises(PolisFormatError) as caught:
        parse_votes(text)
    assert caught.value.line == line
    assert reason in caught.value.reason
    assert f"votes.csv, line {line}" in str(caught.value)


def test_malformed_comments_name_the_line_and_the_reason():
    duplicate = COMMENTS + "3,x,0,2,0,0,1,Encore\n"
    with pytest.raises(PolisFormatError, match=r"line 4: comment-id 0 appears twice"):
        parse_comments(duplicate)
    with pytest.raises(PolisFormatError, match=r"line 2: moderated must be 1, 0 or -1"):
        parse_comments(COMMENTS.replace(",1,1,1,", ",1,1,7,"))


def test_participants_votes_refuses_a_bad_vote_cell():
    text = "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,1\n0,1,0,1,1,0,1,\n1,,0,1,0,0,5,\n"
    with pytest.raises(PolisFormatError, match=r"line 3: vote on comment 0"):
        parse_participant_groups(text)
    assert parse_participant_groups(text.replace(",5,", ",-1,")) == {0: 1, 1: None}


def test_a_folder_without_votes_is_refused(tmp_path):
    with pytest.raises(PolisFormatError, match=r"no votes\.csv"):
        read_conversation(tmp_path)
