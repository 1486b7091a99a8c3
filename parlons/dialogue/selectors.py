"""Reads of the dialogue, scoped to one organisation: threads, follows, the moderation queue, histories."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast

from parlons.common.errors import NotFound
from parlons.core.models import Organisation
from parlons.dialogue.models import (
    Comment,
    CommentRevision,
    CommentVote,
    Flag,
    FlagReason,
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


HIDING_KINDS = (
    ModerationAction.Kind.HOLD,
    ModerationAction.Kind.AUTO_HIDE,
    ModerationAction.Kind.HIDE,
    ModerationAction.Kind.GRANTED,
    ModerationAction.Kind.DISMISSED,
    ModerationAction.Kind.RESTORE,
)


def _last_action(field: str, *kinds: str) -> Subquery:
    actions = ModerationAction.objects.filter(moderation=OuterRef("pk"), kind__in=kinds).order_by(
        "-created_at", "-id"
    )
    return Subquery(actions.values(field)[:1])


def with_decisions(qs: QuerySet[Moderation]) -> QuerySet[Moderation]:
    """Annotate each case with its last decision (``decision_kind``, ``decision_justification``) and the text
    of the author's last appeal (``appeal_text``), in the same query."""
    return qs.annotate(
        decision_kind=_last_action("kind", *HIDING_KINDS),
        decision_justification=_last_action("justification", *HIDING_KINDS),
        appeal_text=_last_action("justification", ModerationAction.Kind.APPEAL),
    )


def moderation_queue(*, organisation: Organisation, state: str | None = None) -> QuerySet[Moderation]:
    """Cases of the organisation, newest activity first; by default those waiting for a decision (appeals
    included, annotated as by ``with_decisions``)."""
    qs = Moderation.objects.for_organisation(organisation).select_related("author", "content_type")
    return with_decisions(qs.filter(state=state or Moderation.State.PENDING))


def moderation_cases_of_author(*, organisation: Organisation, user: Any) -> QuerySet[Moderation]:
    """The author's own content that moderation hid, held or restored after an appeal, newest first."""
    if user is None or not user.is_authenticated:
        return Moderation.objects.none()
    qs = Moderation.objects.for_organisation(organisation).filter(author=user)
    granted = ModerationAction.objects.filter(moderation=OuterRef("pk"), kind=ModerationAction.Kind.GRANTED)
    qs = qs.filter(Q(is_hidden=True) | Q(appealed=True) | Exists(granted))
    return with_decisions(qs.select_related("content_type")).order_by("-updated_at", "-id")


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


def blocked_among(*, organisation: Organisation, user_ids: set[int]) -> set[int]:
    """Which of these people are blocked in the organisation (one query)."""
    return set(
        UserBlock.objects.for_organisation(organisation)
        .filter(user_id__in=user_ids)
        .values_list("user_id", flat=True)
    )


# --- What the spam classifier learns from ------------------------------------------------------------


def moderated_texts(*, organisation: Organisation, state: str, limit: int) -> list[str]:
    """The texts of the latest cases moderators decided (``state`` hidden or restored), newest first.

    Hidden cases count only as spam or abuse: held by the spam check, or flagged as spam or offensive
    (content hidden because it was off topic or revealed personal details teaches nothing about spam).
    """
    qs = Moderation.objects.for_organisation(organisation).filter(state=state).exclude(excerpt="")
    if state == Moderation.State.HIDDEN:
        flags = Flag.objects.filter(moderation=OuterRef("pk"))
        abuse = flags.filter(reason__in=[FlagReason.SPAM, FlagReason.OFFENSIVE])
        qs = qs.filter(Exists(abuse) | ~Exists(flags))
    return list(qs.order_by("-updated_at", "-id").values_list("excerpt", flat=True)[:limit])


def unflagged_comment_texts(*, organisation: Organisation, before: Any, limit: int) -> list[str]:
    """Recent comments online since before ``before`` that nobody flagged and no moderator looked at."""
    cases = Moderation.objects.filter(
        content_type=ContentType.objects.get_for_model(Comment),
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
    )
    qs = (
        Comment.objects.for_organisation(organisation)
        .filter(visibility=Visibility.VISIBLE, flags_count=0, created_at__lt=before)
        .exclude(body="")
        .exclude(Exists(cases))
    )
    return list(qs.order_by("-created_at", "-id").values_list("body", flat=True)[:limit])


def organisations_with_decisions() -> list[int]:
    """The organisations whose moderators decided at least one case (their spam models are worth refreshing)."""
    states = [Moderation.State.HIDDEN, Moderation.State.RESTORED]
    return list(
        Moderation.objects.filter(state__in=states).values_list("organisation_id", flat=True).distinct()
    )
