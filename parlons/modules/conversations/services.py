"""Writes of the conversations module: conversations, statements and their moderation, votes, the map, imports.

Every function is one atomic change of state; views, the command, the seed, the task and the tests call them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.core import permissions
from parlons.core.models import Component
from parlons.insights.opinion.clustering import GroupState
from parlons.insights.opinion.matrix import vote_matrix
from parlons.insights.opinion.pipeline import compute
from parlons.insights.opinion.polis_format import Comment, PolisFormatError, parse_comments, parse_votes
from parlons.modules.conversations.models import (
    STATEMENT_MAX_LENGTH,
    Conversation,
    OpinionResult,
    Participant,
    Statement,
    Vote,
)

STATEMENT_MIN_LENGTH = 5


class ImportInvalid(ValidationFailed):
    """A Pol.is file was refused; the message names the file, the line and the reason."""

    code = "invalid_polis_file"


def _require(by: Any, component: Component, action: str, obj: Any = None) -> None:
    decision = permissions.can_perform(by, component, action, obj)
    if not decision:
        raise PermissionDenied(decision.reason)


def conversation_create(
    *, component: Component, by: Any, question: str, description: str = "", allow_statements: bool = True
) -> Conversation:
    """Open a conversation in the component (moderators). Raises PermissionDenied, ValidationFailed."""
    if by is not None:
        _require(by, component, "moderate")
    question = question.strip()
    if not question:
        raise ValidationFailed(_("Please write the question put to participants."), field="question")
    return Conversation.objects.create(
        organisation=component.process.organisation,
        component=component,
        question=question[:300],
        description=description.strip(),
        allow_statements=allow_statements,
        created_by=by if by is not None and by.is_authenticated else None,
    )


def _participant(conversation: Conversation, user: Any) -> Participant:
    existing = Participant.objects.filter(conversation=conversation, user=user).first()
    if existing is not None:
        return existing
    for _attempt in range(3):
        number = _next_number(Participant.objects.filter(conversation=conversation))
        try:
            with transaction.atomic():
                return Participant.objects.create(
                    organisation=conversation.organisation,
                    conversation=conversation,
                    user=user,
                    number=number,
                )
        except IntegrityError:
            continue
    raise Conflict(_("Too many people joined at once; please try again."))


def _next_number(rows: Any) -> int:
    highest = rows.aggregate(m=Max("number"))["m"]
    return 0 if highest is None else highest + 1


def _next_statement_number(conversation: Conversation) -> int:
    return _next_number(Statement.objects.filter(conversation=conversation))


@transaction.atomic
def statement_add(*, conversation: Conversation, by: Any, text: str) -> Statement:
    """Propose a statement. It waits for moderation, except from moderators (accepted at once).

    Raises PermissionDenied (not allowed to take part, or statements closed), ValidationFailed (length).
    """
    component = conversation.component
    is_moderator = bool(permissions.can_perform(by, component, "moderate"))
    if not is_moderator:
        _require(by, component, "add_statement", conversation)
        if not conversation.is_open:
            raise PermissionDenied(_("This conversation is closed."))
    text = " ".join(text.split())
    if len(text) < STATEMENT_MIN_LENGTH:
        raise ValidationFailed(_("A statement needs a few words."), field="text")
    if len(text) > STATEMENT_MAX_LENGTH:
        raise ValidationFailed(
            _("A statement is limited to %(max)d characters.") % {"max": STATEMENT_MAX_LENGTH}, field="text"
        )
    if Statement.objects.filter(conversation=conversation, text__iexact=text).exists():
        raise ValidationFailed(_("This statement is already in the conversation."), field="text")
    author = _participant(conversation, by) if by is not None and by.is_authenticated else None
    accepted = is_moderator
    return Statement.objects.create(
        organisation=conversation.organisation,
        conversation=conversation,
        number=_next_statement_number(conversation),
        text=text,
        author=author,
        status=Statement.Status.ACCEPTED if accepted else Statement.Status.PENDING,
        moderated_at=timezone.now() if accepted else None,
    )


@transaction.atomic
def statement_moderate(*, statement: Statement, by: Any, accept: bool) -> Statement:
    """Accept (participants can vote on it) or reject a statement (moderators). Votes on a rejected statement
    stay stored but leave the map. Raises PermissionDenied."""
    if by is not None:
        _require(by, statement.conversation.component, "moderate")
    statement.status = Statement.Status.ACCEPTED if accept else Statement.Status.REJECTED
    statement.moderated_at = timezone.now()
    statement.save(update_fields=["status", "moderated_at", "updated_at"])
    transaction.on_commit(lambda: _schedule(statement.conversation_id))
    return statement


@transaction.atomic
def vote_cast(*, statement: Statement, by: Any, value: int) -> Vote:
    """Record (or change) ``by``'s vote on an accepted statement: 1 agree, -1 disagree, 0 pass.

    Schedules the recomputation of the map after the commit. Raises PermissionDenied (not allowed, closed
    conversation, statement not accepted) or ValidationFailed (value).
    """
    conversation = statement.conversation
    _require(by, conversation.component, "vote", conversation)
    if not conversation.is_open:
        raise PermissionDenied(_("This conversation is closed."))
    if statement.status != Statement.Status.ACCEPTED:
        raise PermissionDenied(_("This statement is not open for votes."))
    if value not in (1, -1, 0):
        raise ValidationFailed(_("A vote is agree, disagree or pass."), field="value")
    participant = _participant(conversation, by)
    vote, created = Vote.objects.get_or_create(
        statement=statement,
        participant=participant,
        defaults={"organisation": conversation.organisation, "conversation": conversation, "value": value},
    )
    if not created and vote.value != value:
        vote.value = value
        vote.save(update_fields=["value", "updated_at"])
    transaction.on_commit(lambda: _schedule(conversation.pk))
    return vote


def _schedule(conversation_id: int) -> None:
    from parlons.modules.conversations.tasks import request_recompute

    request_recompute(conversation_id)


def conversation_recompute(*, conversation: Conversation) -> OpinionResult:
    """Compute the opinion map from the current votes and store it (with its computation time).

    Keeps the map stable: the previous in-conversation set, groups and axes seed the new computation.
    """
    rows = list(
        Vote.objects.filter(conversation=conversation)
        .order_by("updated_at", "id")
        .values_list("participant__number", "statement__number", "value")
    )
    statements = Statement.objects.filter(conversation=conversation).exclude(status=Statement.Status.PENDING)
    numbers = list(statements.values_list("number", "status"))
    excluded = [n for n, status in numbers if status == Statement.Status.REJECTED]
    previous = OpinionResult.objects.filter(conversation=conversation).first()
    data = previous.data if previous else {}
    matrix = vote_matrix(rows, statements=sorted(n for n, _status in numbers))
    state = GroupState.from_dict(data.get("state"))
    components = data.get("components")
    result = compute(
        matrix,
        excluded=excluded,
        previous_in_conversation=data.get("in_conversation", []),
        state=state,
        previous_components=np.array(components) if components else None,
    )
    stored = result.as_dict()
    with transaction.atomic():
        obj, _created = OpinionResult.objects.update_or_create(
            conversation=conversation,
            defaults={
                "organisation": conversation.organisation,
                "data": stored,
                "ok": result.ok,
                "votes": len(rows),
                "seconds": result.seconds,
                "computed_at": timezone.now(),
            },
        )
    return obj


@transaction.atomic
def conversation_import_polis(
    *, conversation: Conversation, by: Any, files: Mapping[str, str]
) -> tuple[int, int]:
    """Import a Pol.is export (``comments.csv`` and ``votes.csv`` texts) into an empty conversation.

    Comments become statements (moderated in/waiting/out keep their status), voters become participants
    without an account. Returns (statements, votes). Raises ImportInvalid with the file, line and reason,
    Conflict when the conversation already has votes, PermissionDenied for non-moderators.
    """
    if by is not None:
        _require(by, conversation.component, "moderate")
    if Vote.objects.filter(conversation=conversation).exists():
        raise Conflict(_("This conversation already has votes: import into a new conversation."))
    try:
        comments = parse_comments(files["comments.csv"]) if files.get("comments.csv") else []
        votes = parse_votes(files["votes.csv"]) if files.get("votes.csv") else []
    except PolisFormatError as exc:
        raise ImportInvalid(
            _("%(file)s, line %(line)d: %(reason)s")
            % {"file": exc.file, "line": exc.line, "reason": exc.reason}
        ) from exc
    if not votes and not comments:
        raise ImportInvalid(_("Please give comments.csv and votes.csv from a Pol.is export."))
    known = {c.id for c in comments}
    unknown = sorted({v.comment for v in votes} - known)
    if comments and unknown:
        raise ImportInvalid(
            _("votes.csv names comment %(id)d, which is not in comments.csv.") % {"id": unknown[0]}
        )
    org = conversation.organisation
    status_of = {1: Statement.Status.ACCEPTED, 0: Statement.Status.PENDING, -1: Statement.Status.REJECTED}
    now = timezone.now()
    Statement.objects.filter(conversation=conversation).delete()
    Participant.objects.filter(conversation=conversation).delete()
    voters = sorted({v.voter for v in votes} | {c.author for c in comments})
    Participant.objects.bulk_create(
        [Participant(organisation=org, conversation=conversation, number=n) for n in voters]
    )
    participants = {p.number: p for p in Participant.objects.filter(conversation=conversation)}
    if not comments:
        comments = [Comment(id=n, author=-1, body=f"#{n}") for n in sorted({v.comment for v in votes})]
    statements = Statement.objects.bulk_create(
        [
            Statement(
                organisation=org,
                conversation=conversation,
                number=c.id,
                text=c.body[:STATEMENT_MAX_LENGTH],
                author=participants.get(c.author),
                status=status_of[c.moderated],
                moderated_at=now if c.moderated else None,
            )
            for c in comments
        ]
    )
    by_number = {s.number: s for s in Statement.objects.filter(conversation=conversation)}
    latest: dict[tuple[int, int], int] = {}
    for v in sorted(votes, key=lambda v: v.timestamp):
        latest[v.voter, v.comment] = v.vote
    Vote.objects.bulk_create(
        [
            Vote(
                organisation=org,
                conversation=conversation,
                statement=by_number[c],
                participant=participants[p],
                value=value,
            )
            for (p, c), value in latest.items()
        ],
        batch_size=5000,
    )
    transaction.on_commit(lambda: _schedule(conversation.pk))
    return len(statements), len(latest)
