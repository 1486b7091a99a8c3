"""Reads of the dialogue, scoped to one organisation: threads, follows, the moderation queue, histories."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, QuerySet

from parlons.common.errors import NotFound
from parlons.core.models import Organisation
from parlons.dialogue.models import (
    Comment,
    CommentRevision,
    CommentVote,
    Follow,
    Moderation,
    ModerationAction,
    UserBlock,
    Visibility,
)


@dataclass
class Thread:
    """A discussion ready to render: official replies first, then the tree (three levels)."""

    officials: list[Comment] = field(default_factory=list)
    roots: list[Comment] = field(default_factory=list)
    count: int = 0
    alignments: dict[int, int] = field(default_factory=dict)
    voted: set[int] = field(default_factory=set)


def comments_of(*, organisation: Organisation, target: Any) -> QuerySet[Comment]:
    return Comment.objects.for_organisation(organisation).filter(
        content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk)
    )


def thread(*, organisation: Organisation, target: Any, user: Any, moderator: bool = False) -> Thread:
    """The whole thread in one query (comments with authors and the reader's up-votes), built in memory.

    Hidden and held comments keep their place as placeholders; moderators and the author still read them.
    """
    user_id = user.pk if user is not None and user.is_authenticated else None
    qs = comments_of(organisation=organisation, target=target).select_related("author")
    if user_id is not None:
        qs = qs.annotate(voted=Exists(CommentVote.objects.filter(comment=OuterRef("pk"), user_id=user_id)))
    rows = list(qs)
    result = Thread()
    by_id: dict[int, Comment] = {}
    for comment in rows:
        comment.children = []  # type: ignore[attr-defined]
        comment.readable = (  # type: ignore[attr-defined]
            comment.visibility == Visibility.VISIBLE
            or moderator
            or (  # type: ignore[attr-defined]
                comment.visibility == Visibility.HELD and user_id is not None and comment.author_id == user_id
            )
        )
        by_id[comment.pk] = comment
    counts: Counter[int] = Counter()
    for comment in rows:
        if comment.visibility == Visibility.VISIBLE:
            result.count += 1
            if comment.alignment is not None and comment.parent_id is None:
                counts[comment.alignment] += 1
        parent = by_id.get(comment.parent_id) if comment.parent_id else None
        if parent is not None:
            parent.children.append(comment)  # type: ignore[attr-defined]
        elif comment.is_official and comment.visibility == Visibility.VISIBLE:
            result.officials.append(comment)
        else:
            result.roots.append(comment)
    result.alignments = dict(counts)
    result.voted = {c.pk for c in rows if getattr(c, "voted", False)}
    return result


def comment_get(*, organisation: Organisation, public_id: str) -> Comment:
    comment = (
        Comment.objects.for_organisation(organisation)
        .select_related("organisation", "author", "content_type")
        .filter(public_id=public_id)
        .first()
    )
    if comment is None:
        raise NotFound("comment")
    return comment


def comment_history(*, comment: Comment) -> QuerySet[CommentRevision]:
    return CommentRevision.objects.filter(comment=comment)


def is_following(*, user: Any, target: Any) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Follow.objects.filter(
        user=user, content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk)
    ).exists()


def followers_of(*, organisation: Organisation, target: Any) -> QuerySet[Any]:
    from parlons.accounts.models import User

    ids = (
        Follow.objects.for_organisation(organisation)
        .filter(content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk))
        .values("user_id")
    )
    return User.objects.filter(pk__in=ids, deleted_at__isnull=True)


def moderation_queue(*, organisation: Organisation, state: str | None = None) -> QuerySet[Moderation]:
    """Cases of the organisation, newest activity first; by default those waiting for a decision."""
    qs = Moderation.objects.for_organisation(organisation).select_related("author", "content_type")
    return qs.filter(state=state or Moderation.State.PENDING)


def moderation_log(*, organisation: Organisation) -> QuerySet[ModerationAction]:
    return ModerationAction.objects.for_organisation(organisation).select_related("by", "subject_user")


def moderation_of(*, organisation: Organisation, target: Any) -> Moderation | None:
    return (
        Moderation.objects.for_organisation(organisation)
        .filter(content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk))
        .first()
    )


def blocked_users(*, organisation: Organisation) -> QuerySet[UserBlock]:
    return UserBlock.objects.for_organisation(organisation).select_related("user", "by")
