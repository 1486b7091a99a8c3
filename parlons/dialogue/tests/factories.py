"""Tenant-isolation builders of the dialogue's models (comments on a process, registered as a test target)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from parlons.core.tests.factories import MembershipFactory, ProcessFactory
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
)


def _user(org):
    return MembershipFactory(organisation=org).user


def comment_on_process(org, **kwargs):
    process = ProcessFactory(organisation=org)
    return Comment.objects.create(
        organisation=org,
        content_type=ContentType.objects.get_for_model(process),
        object_id=str(process.pk),
        author=kwargs.pop("author", None) or _user(org),
        body=kwargs.pop("body", "Bonne idée, je soutiens."),
        **kwargs,
    )


def _moderation(org):
    comment = comment_on_process(org)
    return Moderation.objects.create(
        organisation=org,
        content_type=ContentType.objects.get_for_model(comment),
        object_id=str(comment.pk),
        author=comment.author,
        excerpt=comment.body,
    )


def _follow(org):
    process = ProcessFactory(organisation=org)
    return Follow.objects.create(
        organisation=org,
        user=_user(org),
        content_type=ContentType.objects.get_for_model(process),
        object_id=str(process.pk),
    )


TENANT_BUILDERS = {
    "dialogue.Comment": comment_on_process,
    "dialogue.CommentRevision": lambda org: CommentRevision.objects.create(
        comment=comment_on_process(org), body="avant"
    ),
    "dialogue.CommentVote": lambda org: CommentVote.objects.create(
        comment=comment_on_process(org), user=_user(org)
    ),
    "dialogue.Follow": _follow,
    "dialogue.Moderation": _moderation,
    "dialogue.Flag": lambda org: Flag.objects.create(
        moderation=_moderation(org), reporter=_user(org), reason=FlagReason.SPAM
    ),
    "dialogue.ModerationAction": lambda org: ModerationAction.objects.create(
        organisation=org, kind=ModerationAction.Kind.HIDE, justification="test"
    ),
    "dialogue.UserBlock": lambda org: UserBlock.objects.create(
        organisation=org, user=_user(org), justification="spam"
    ),
}
