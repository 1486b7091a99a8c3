"""Reads of the conversations module, always scoped to the component (hence to its organisation)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.db.models import Count, Q, QuerySet

from parlons.common.errors import NotFound
from parlons.core.models import Component
from parlons.insights.opinion.matrix import vote_matrix
from parlons.insights.opinion.polis_format import Comment, comments_csv, participants_votes_csv, votes_csv
from parlons.insights.opinion.polis_format import Vote as PolisVote
from parlons.modules.conversations.models import Conversation, OpinionResult, Participant, Statement, Vote


def conversation_list(*, component: Component) -> QuerySet[Conversation]:
    return Conversation.objects.for_organisation(component.process.organisation).filter(component=component)


def access_conversation(*, component: Component, public_id: str) -> Conversation:
    conversation = conversation_list(component=component).filter(public_id=public_id).first()
    if conversation is None:
        raise NotFound("conversation")
    conversation.component = component
    return conversation


def access_statement(*, conversation: Conversation, public_id: str) -> Statement:
    statement = (
        Statement.objects.for_organisation(conversation.organisation)
        .filter(conversation=conversation, public_id=public_id)
        .first()
    )
    if statement is None:
        raise NotFound("statement")
    statement.conversation = conversation
    return statement


def participant_of(*, conversation: Conversation, user: Any) -> Participant | None:
    if not user.is_authenticated:
        return None
    return Participant.objects.filter(conversation=conversation, user=user).first()


def accepted_statements(*, conversation: Conversation) -> QuerySet[Statement]:
    return Statement.objects.for_organisation(conversation.organisation).filter(
        conversation=conversation, status=Statement.Status.ACCEPTED
    )


def pending_statements(*, conversation: Conversation) -> QuerySet[Statement]:
    return Statement.objects.for_organisation(conversation.organisation).filter(
        conversation=conversation, status=Statement.Status.PENDING
    )


def next_statement(*, conversation: Conversation, participant: Participant | None) -> Statement | None:
    """The accepted statement this person has not voted on, fewest votes first (new statements get seen)."""
    statements = accepted_statements(conversation=conversation)
    if participant is not None:
        statements = statements.exclude(votes__participant=participant)
    return statements.annotate(n=Count("votes")).order_by("n", "number").first()


def progress(*, conversation: Conversation, participant: Participant | None) -> tuple[int, int]:
    total = accepted_statements(conversation=conversation).count()
    done = (
        Vote.objects.filter(participant=participant, statement__status=Statement.Status.ACCEPTED).count()
        if participant is not None
        else 0
    )
    return done, total


def opinion_result(*, conversation: Conversation) -> OpinionResult | None:
    return (
        OpinionResult.objects.for_organisation(conversation.organisation)
        .filter(conversation=conversation)
        .first()
    )


def conversation_stats(*, component: Component) -> dict[str, int | float]:
    conversations = conversation_list(component=component)
    votes = Vote.objects.for_organisation(component.process.organisation).filter(
        conversation__component=component
    )
    return {
        "conversations": conversations.count(),
        "participants": Participant.objects.filter(conversation__in=conversations).count(),
        "statements": Statement.objects.filter(conversation__in=conversations).count(),
        "pending_statements": Statement.objects.filter(
            conversation__in=conversations, status=Statement.Status.PENDING
        ).count(),
        "votes": votes.count(),
        "agree_votes": votes.filter(Q(value=1)).count(),
    }


def export_polis_zip(*, conversation: Conversation) -> bytes:
    """The conversation in Pol.is's export format (votes.csv, comments.csv, participants-votes.csv), zipped."""
    moderation = {Statement.Status.ACCEPTED: 1, Statement.Status.PENDING: 0, Statement.Status.REJECTED: -1}
    statements = list(Statement.objects.filter(conversation=conversation).select_related("author"))
    votes = list(
        Vote.objects.filter(conversation=conversation)
        .order_by("updated_at", "id")
        .values_list("updated_at", "statement__number", "participant__number", "value")
    )
    counts: dict[int, list[int]] = {}
    for _when, number, _voter, value in votes:
        tally = counts.setdefault(number, [0, 0])
        if value == 1:
            tally[0] += 1
        elif value == -1:
            tally[1] += 1
    comments = [
        Comment(
            id=s.number,
            author=s.author.number if s.author else 0,
            body=s.text,
            moderated=moderation[s.status],
            timestamp=int(s.created_at.timestamp() * 1000),
            agrees=counts.get(s.number, [0, 0])[0],
            disagrees=counts.get(s.number, [0, 0])[1],
        )
        for s in statements
    ]
    polis_votes = [
        PolisVote(int(when.timestamp() * 1000), number, voter, value) for when, number, voter, value in votes
    ]
    result = opinion_result(conversation=conversation)
    groups = {int(p): g for p, g in (result.data.get("groups", {}) if result and result.ok else {}).items()}
    matrix = vote_matrix(
        ((v, n, value) for _w, n, v, value in votes), statements=[s.number for s in statements]
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("votes.csv", votes_csv(polis_votes))
        archive.writestr("comments.csv", comments_csv(comments))
        archive.writestr(
            "participants-votes.csv",
            participants_votes_csv(matrix, groups, sorted(s.number for s in statements)),  # type: ignore[arg-type]
        )
    return out.getvalue()
