"""Services of the conversations module: vote rules, statements and their moderation, the map, Pol.is import."""

from __future__ import annotations

import random

import pytest

from parlons.accounts.models import Role
from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.core.tests.factories import MembershipFactory
from parlons.modules.conversations import selectors, services
from parlons.modules.conversations.models import OpinionResult, Statement, Vote
from parlons.modules.conversations.tests.factories import make_statement

pytestmark = pytest.mark.django_db


def statements(conversation):
    return list(Statement.objects.filter(conversation=conversation).order_by("number"))


def test_a_vote_is_recorded_once_and_can_be_changed(conversation, citizen):
    first = statements(conversation)[0]
    services.vote_cast(statement=first, by=citizen, value=1)
    services.vote_cast(statement=first, by=citizen, value=-1)
    votes = Vote.objects.filter(statement=first)
    assert votes.count() == 1
    assert votes.get().value == -1


def test_a_vote_needs_an_account(conversation):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.vote_cast(statement=statements(conversation)[0], by=AnonymousUser(), value=1)


def test_a_vote_is_agree_disagree_or_pass(conversation, citizen):
    with pytest.raises(ValidationFailed):
        services.vote_cast(statement=statements(conversation)[0], by=citizen, value=2)


def test_no_vote_on_a_pending_statement_nor_in_a_closed_conversation(conversation, citizen, org):
    pending = make_statement(
        org, conversation, status=Statement.Status.PENDING, text="En attente de lecture."
    )
    with pytest.raises(PermissionDenied):
        services.vote_cast(statement=pending, by=citizen, value=1)
    conversation.is_open = False
    conversation.save()
    with pytest.raises(PermissionDenied):
        services.vote_cast(statement=statements(conversation)[0], by=citizen, value=1)


def test_the_next_statement_is_one_not_yet_voted_on(conversation, citizen):
    seen = []
    for _ in range(3):
        participant = selectors.participant_of(conversation=conversation, user=citizen)
        statement = selectors.next_statement(conversation=conversation, participant=participant)
        seen.append(statement.pk)
        services.vote_cast(statement=statement, by=citizen, value=0)
    participant = selectors.participant_of(conversation=conversation, user=citizen)
    assert len(set(seen)) == 3
    assert selectors.next_statement(conversation=conversation, participant=participant) is None


def test_a_citizens_statement_waits_for_a_moderator(conversation, citizen, moderator):
    statement = services.statement_add(
        conversation=conversation, by=citizen, text="  Des bancs   à l'ombre. "
    )
    assert statement.status == Statement.Status.PENDING
    assert statement.text == "Des bancs à l'ombre."
    participant = selectors.participant_of(conversation=conversation, user=citizen)
    assert selectors.next_statement(conversation=conversation, participant=participant).pk != statement.pk
    with pytest.raises(PermissionDenied):
        services.statement_moderate(statement=statement, by=citizen, accept=True)
    services.statement_moderate(statement=statement, by=moderator, accept=True)
    statement.refresh_from_db()
    assert statement.status == Statement.Status.ACCEPTED


def test_a_moderators_statement_is_published_at_once(conversation, moderator):
    statement = services.statement_add(conversation=conversation, by=moderator, text="Une navette le samedi.")
    assert statement.status == Statement.Status.ACCEPTED


def test_statements_are_refused_when_empty_too_long_repeated_or_not_allowed(conversation, citizen):
    with pytest.raises(ValidationFailed):
        services.statement_add(conversation=conversation, by=citizen, text="ok")
    with pytest.raises(ValidationFailed):
        services.statement_add(conversation=conversation, by=citizen, text="mot " * 100)
    with pytest.raises(ValidationFailed):
        services.statement_add(
            conversation=conversation, by=citizen, text="la grande rue devrait devenir piétonne."
        )
    conversation.allow_statements = False
    conversation.save()
    with pytest.raises(PermissionDenied):
        services.statement_add(conversation=conversation, by=citizen, text="Une idée de plus.")


def test_votes_update_the_map_with_groups_or_say_too_few(
    conversation, org, django_capture_on_commit_callbacks
):
    # Tasks run inline in tests: every committed vote recomputes the stored map.
    people = [MembershipFactory(organisation=org, role=Role.CITIZEN).user for _ in range(3)]
    first = statements(conversation)
    for person in people:
        with django_capture_on_commit_callbacks(execute=True):
            services.vote_cast(statement=first[0], by=person, value=1)
            services.vote_cast(statement=first[1], by=person, value=-1)
    result = OpinionResult.objects.get(conversation=conversation)
    assert not result.ok
    assert result.data["reason"] == "participants"
    assert result.data["counts"][0]["agree"] == 3
    for i in range(10):
        make_statement(org, conversation, text=f"Proposition supplémentaire {i}")
    rng = random.Random(4)
    camp = {}
    for n in range(16):
        person = MembershipFactory(organisation=org, role=Role.CITIZEN).user
        camp[n] = n % 2
        for statement in statements(conversation):
            leaning = 1 if statement.number % 2 == camp[n] else -1
            with django_capture_on_commit_callbacks(execute=True):
                services.vote_cast(statement=statement, by=person, value=leaning if rng.random() > 0.1 else 0)
    result = OpinionResult.objects.get(conversation=conversation)
    assert result.ok
    assert result.data["k"] >= 2
    assert result.seconds > 0
    assert result.votes == Vote.objects.filter(conversation=conversation).count()


def test_a_rejected_statement_leaves_the_map(conversation, org, moderator):
    target = statements(conversation)[0]
    services.statement_moderate(statement=target, by=moderator, accept=False)
    result = services.conversation_recompute(conversation=conversation)
    assert str(target.number) not in result.data.get("group_aware_consensus", {})


VOTES_CSV = "timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0,1\n2,x,1,0,-1\n3,x,0,1,-1\n"
COMMENTS_CSV = (
    "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
    "1,x,0,0,1,1,1,Plus d'arbres place du Marché\n2,x,1,1,0,1,-1,Hors sujet\n"
)


def test_a_polis_export_imports_and_exports_back(conversation, moderator):
    Statement.objects.filter(conversation=conversation).delete()
    count = services.conversation_import_polis(
        conversation=conversation, by=moderator, files={"votes.csv": VOTES_CSV, "comments.csv": COMMENTS_CSV}
    )
    assert count == (2, 3)
    rejected = Statement.objects.get(conversation=conversation, number=1)
    assert rejected.status == Statement.Status.REJECTED
    import io
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(selectors.export_polis_zip(conversation=conversation)))
    assert sorted(archive.namelist()) == ["comments.csv", "participants-votes.csv", "votes.csv"]
    from parlons.insights.opinion.polis_format import parse_comments, parse_votes

    assert len(parse_votes(archive.read("votes.csv").decode())) == 3
    assert {c.moderated for c in parse_comments(archive.read("comments.csv").decode())} == {1, -1}


def test_a_malformed_polis_file_is_refused_with_its_line_and_reason(conversation, moderator):
    bad = VOTES_CSV + "4,x,0,2,5\n"
    with pytest.raises(services.ImportInvalid, match=r"votes\.csv, line 5: vote must be 1, -1 or 0"):
        services.conversation_import_polis(
            conversation=conversation, by=moderator, files={"votes.csv": bad, "comments.csv": COMMENTS_CSV}
        )
    assert not Vote.objects.filter(conversation=conversation).exists()


def test_import_refuses_a_conversation_with_votes_and_non_moderators(conversation, citizen, moderator):
    with pytest.raises(PermissionDenied):
        services.conversation_import_polis(
            conversation=conversation, by=citizen, files={"votes.csv": VOTES_CSV}
        )
    services.vote_cast(statement=statements(conversation)[0], by=citizen, value=1)
    with pytest.raises(Conflict):
        services.conversation_import_polis(
            conversation=conversation, by=moderator, files={"votes.csv": VOTES_CSV}
        )


def test_one_town_never_sees_another_towns_conversations(conversation, other_org):
    from parlons.modules.conversations.tests.factories import conversations_component

    elsewhere = conversations_component(other_org)
    assert not selectors.conversation_list(component=elsewhere).filter(pk=conversation.pk).exists()
    from parlons.common.errors import NotFound

    with pytest.raises(NotFound):
        selectors.access_conversation(component=elsewhere, public_id=conversation.public_id)


def test_a_map_left_behind_by_a_lost_task_is_recomputed_within_a_minute(conversation, citizen):
    from parlons.modules.conversations.tasks import conversation_recompute_stale

    # No on_commit capture: the vote's own recomputation never runs, as if the worker had lost it.
    services.vote_cast(statement=statements(conversation)[0], by=citizen, value=1)
    assert not OpinionResult.objects.filter(conversation=conversation).exists()
    assert conversation_recompute_stale.call_local() == 1
    assert OpinionResult.objects.get(conversation=conversation).data["counts"][0]["agree"] == 1
    assert conversation_recompute_stale.call_local() == 0
