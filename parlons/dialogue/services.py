"""Writes of the dialogue: comments, up-votes, follows, flags and moderation. Every change of state is here.

Services take the acting person as ``by`` and check, before changing anything, that the contribution accepts
comments (through the module's registered ``Target`` and ``parlons.core.permissions.can_perform``), that the
person is not blocked, that the text is acceptable and that no rate limit is exceeded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from parlons.accounts.models import Role, User
from parlons.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from parlons.core import permissions
from parlons.core.models import Organisation
from parlons.dialogue import ratelimit, spam, spam_classifier, targets, text
from parlons.dialogue.models import (
    MAX_DEPTH,
    Alignment,
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

MAX_COMMENT_LENGTH = 5000
MAX_NOTE_LENGTH = 500


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def edit_window() -> timedelta:
    return timedelta(minutes=int(_setting("PARLONS_DIALOGUE_EDIT_WINDOW_MINUTES", 15)))


def spam_threshold() -> float:
    return float(_setting("PARLONS_DIALOGUE_SPAM_THRESHOLD", 0.6))


def default_hide_after() -> int:
    return int(_setting("PARLONS_DIALOGUE_HIDE_AFTER_FLAGS", 3))


# --- Helpers shared by the services -------------------------------------------------------------------


def organisation_of(obj: Any) -> Organisation:
    """The organisation a contribution (or a process, topic, comment...) belongs to."""
    org = getattr(obj, "organisation", None)
    if isinstance(org, Organisation):
        return org
    info = targets.for_object(obj)
    if info is not None:
        component = info.component_of(obj)
        if component is not None:
            return component.process.organisation
    if hasattr(obj, "tenant_id"):
        return Organisation.objects.get(pk=obj.tenant_id())
    raise ValidationFailed(_("This cannot be discussed here."))


def _target_info(target: Any) -> targets.Target:
    info = targets.for_object(target)
    if info is None:
        raise ValidationFailed(_("This cannot be discussed here."))
    return info


def _same_target(a: Comment, target: Any) -> bool:
    return a.content_type_id == ContentType.objects.get_for_model(target).pk and a.object_id == str(target.pk)


def can_moderate(user: Any, organisation: Organisation) -> bool:
    return permissions.role_of(user, organisation) in (Role.MODERATOR, Role.ADMIN)


def _require_moderator(user: Any, organisation: Organisation) -> None:
    if not can_moderate(user, organisation):
        raise PermissionDenied(_("Only the organisation's moderators can do this."))


def is_blocked(user: Any, organisation: Organisation) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return UserBlock.objects.filter(organisation=organisation, user=user).exists()


def _require_participant(user: Any, organisation: Organisation) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Please sign in to take part."))
    if is_blocked(user, organisation):
        raise PermissionDenied(_("Your participation in this organisation is suspended."))


def clean_body(body: str, *, field: str = "body", max_length: int = MAX_COMMENT_LENGTH) -> str:
    body = text.clean(body)
    if not body:
        raise ValidationFailed(_("Write something first."), field=field)
    if len(body) > max_length:
        raise ValidationFailed(
            _("Please keep it under %(max)d characters (this one has %(n)d).")
            % {"max": max_length, "n": len(body)},
            field=field,
        )
    return body


def screen_text(*, body: str, by: Any, organisation: Organisation) -> spam.Score:
    """The spam/abuse score of a new text by ``by`` (staff texts are never held): the rules, blended with
    the organisation's classifier once its moderators have taught it enough (see ``spam_classifier``)."""
    if permissions.is_staff(by, organisation):
        return spam.Score(0.0, [])
    since = timezone.now() - timedelta(days=1)
    duplicates = Comment.objects.filter(author=by, body=body, created_at__gte=since).count()
    age = (timezone.now() - by.date_joined).total_seconds() / 86400 if by.date_joined else None
    model = spam_classifier.model_for(organisation)
    return spam.score_text(body, recent_duplicates=duplicates, author_age_days=age, model=model)


def _moderation_for(target: Any, organisation: Organisation, *, author: Any, excerpt: str) -> Moderation:
    moderation, _created = Moderation.objects.get_or_create(
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        defaults={"organisation": organisation, "author": author, "excerpt": excerpt[:2000]},
    )
    return moderation


def _adjust_comments_count(comment: Comment, delta: int) -> None:
    """Contributions with a ``comments_count`` field (for 'most discussed') are kept up to date."""
    model = comment.content_type.model_class()
    if model is None or not any(f.name == "comments_count" for f in model._meta.get_fields()):
        return
    model._default_manager.filter(pk=comment.object_id).update(comments_count=F("comments_count") + delta)
    info = targets.get(model._meta.label_lower)
    if info is not None and info.comments_changed is not None:
        info.comments_changed(comment.object_id)


def _set_comment_visibility(comment: Comment, visibility: str) -> None:
    was_visible = comment.visibility == Visibility.VISIBLE
    comment.visibility = visibility
    comment.save(update_fields=["visibility", "updated_at"])
    now_visible = visibility == Visibility.VISIBLE
    if was_visible != now_visible:
        _adjust_comments_count(comment, 1 if now_visible else -1)


def hold_for_review(
    *, target: Any, organisation: Organisation, author: Any, excerpt: str, score: spam.Score
) -> Moderation:
    """Open (or reopen) a moderation case for content the spam check found suspicious; the caller hides it."""
    moderation = _moderation_for(target, organisation, author=author, excerpt=excerpt)
    moderation.state = Moderation.State.PENDING
    moderation.is_hidden = True
    moderation.spam_score = score.value
    moderation.spam_reasons = score.reasons
    moderation.spam_terms = [[word, weight] for word, weight in score.terms]
    moderation.excerpt = excerpt[:2000]
    moderation.save()
    ModerationAction.objects.create(
        organisation=organisation,
        moderation=moderation,
        kind=ModerationAction.Kind.HOLD,
        subject_user=author,
        justification=", ".join(score.reasons),
    )
    return moderation


# --- Comments -----------------------------------------------------------------------------------------


@transaction.atomic
def comment_post(
    *,
    target: Any,
    by: Any,
    body: str,
    parent: Comment | None = None,
    alignment: int | None = None,
    official: bool = False,
    official_role: str = "",
) -> Comment:
    """Post a comment (or a reply, up to three levels) on a registered contribution.

    Preconditions: the contribution's module registered it as a dialogue target; ``by`` is signed in, not
    blocked, and allowed the target's ``comment`` action by ``can_perform`` (staff posting an official reply
    need only be staff). Where the target asks for a position, a top-level comment gives one.
    Side effects: the author follows the contribution; the spam check may hold the comment for review;
    mentioned members and followers are e-mailed once the transaction commits.
    Errors: PermissionDenied, ValidationFailed (field ``body``, ``alignment`` or ``parent``), RateLimited.
    """
    info = _target_info(target)
    organisation = organisation_of(target)
    _require_participant(by, organisation)
    if official:
        if not permissions.is_staff(by, organisation):
            raise PermissionDenied(_("Only the organisation's staff can reply officially."))
    else:
        if reason := info.closed_reason(target):
            raise PermissionDenied(reason)
        component = info.component_of(target)
        if component is not None:
            decision = permissions.can_perform(by, component, info.action, target)
            if not decision:
                raise PermissionDenied(decision.reason)
    body = clean_body(body)
    depth = 0
    if parent is not None:
        if not _same_target(parent, target):
            raise ValidationFailed(_("You can only reply to a comment of this discussion."), field="parent")
        if parent.visibility == Visibility.DELETED:
            raise ValidationFailed(_("This comment was deleted: it cannot be answered."), field="parent")
        if parent.depth >= MAX_DEPTH:
            # Replies go three levels deep; deeper answers join the conversation at the last level.
            parent = parent.parent
        depth = parent.depth + 1 if parent is not None else 0
    if info.alignment(target) and parent is None and not official:
        if alignment not in Alignment.values:
            raise ValidationFailed(_("Say whether you are for, against or neutral."), field="alignment")
    elif alignment is not None and alignment not in Alignment.values:
        raise ValidationFailed(_("Unknown position."), field="alignment")
    ratelimit.hit(action="post", user=by, field="body")
    ratelimit.hit(action="post_hour", user=by, field="body")
    score = screen_text(body=body, by=by, organisation=organisation)
    held = score.suspicious(spam_threshold())
    role = ""
    if official:
        membership = permissions.membership_of(by, organisation)
        service = membership.service if membership and membership.service_id else None
        role = official_role.strip() or (
            f"{service.name} · {organisation.name}" if service else organisation.name
        )
    comment = Comment.objects.create(
        organisation=organisation,
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        parent=parent,
        depth=depth,
        author=by,
        body=body,
        alignment=alignment if (alignment in Alignment.values) else None,
        is_official=official,
        official_role=role[:200],
        visibility=Visibility.HELD if held else Visibility.VISIBLE,
        spam_score=score.value,
        spam_reasons=score.reasons,
    )
    if held:
        hold_for_review(target=comment, organisation=organisation, author=by, excerpt=body, score=score)
    else:
        _adjust_comments_count(comment, 1)
    _follow(target=target, user=by, organisation=organisation)
    if not held:
        _notify_new_comment(comment=comment, target=target, info=info)
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, by: Any, body: str) -> Comment:
    """Change the text of one's own comment within the edit window.

    The previous text is kept as a revision (moderators see the history); the comment shows "edited".
    Errors: PermissionDenied (not the author, blocked, window over, hidden or deleted), ValidationFailed, RateLimited.
    """
    comment = Comment.objects.select_for_update().select_related("organisation").get(pk=comment.pk)
    _require_participant(by, comment.organisation)
    if comment.author_id != by.pk:
        raise PermissionDenied(_("Only its author can edit a comment."))
    if comment.visibility in (Visibility.DELETED, Visibility.HIDDEN):
        raise PermissionDenied(_("This comment can no longer be edited."))
    if timezone.now() - comment.created_at > edit_window():
        minutes = int(edit_window().total_seconds() // 60)
        raise PermissionDenied(
            _("Comments can be edited during %(minutes)d minutes after posting; this time is over.")
            % {"minutes": minutes},
            code="edit_window",
        )
    body = clean_body(body)
    if body == comment.body:
        return comment
    ratelimit.hit(action="edit", user=by, field="body")
    CommentRevision.objects.create(comment=comment, body=comment.body)
    comment.body = body
    comment.edited_at = timezone.now()
    score = screen_text(body=body, by=by, organisation=comment.organisation)
    comment.spam_score, comment.spam_reasons = score.value, score.reasons
    comment.save(update_fields=["body", "edited_at", "spam_score", "spam_reasons", "updated_at"])
    if score.suspicious(spam_threshold()) and comment.visibility == Visibility.VISIBLE:
        hold_for_review(
            target=comment, organisation=comment.organisation, author=by, excerpt=body, score=score
        )
        _set_comment_visibility(comment, Visibility.HELD)
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, by: Any) -> Comment:
    """Delete one's own comment (or, for a moderator, any comment): a placeholder stays so replies keep
    their context; the text is kept only in the moderators' history."""
    comment = Comment.objects.select_for_update().select_related("organisation").get(pk=comment.pk)
    if by is None or not by.is_authenticated:
        raise PermissionDenied(_("Please sign in to take part."))
    if comment.author_id != by.pk and not can_moderate(by, comment.organisation):
        raise PermissionDenied(_("Only its author can delete a comment."))
    if comment.visibility == Visibility.DELETED:
        return comment
    CommentRevision.objects.create(comment=comment, body=comment.body)
    comment.body = ""
    comment.save(update_fields=["body", "updated_at"])
    _set_comment_visibility(comment, Visibility.DELETED)
    return comment


@transaction.atomic
def comment_upvote(*, comment: Comment, by: Any, remove: bool = False) -> int:
    """Up-vote a comment once (or take the up-vote back); returns the new count."""
    _require_participant(by, comment.organisation)
    if comment.author_id == by.pk:
        raise ValidationFailed(_("You cannot up-vote your own comment."))
    if comment.visibility != Visibility.VISIBLE:
        raise ValidationFailed(_("This comment cannot be up-voted."))
    ratelimit.hit(action="upvote", user=by)
    if remove:
        deleted, _rows = CommentVote.objects.filter(comment=comment, user=by).delete()
        if deleted:
            Comment.objects.filter(pk=comment.pk).update(upvotes_count=F("upvotes_count") - 1)
    else:
        try:
            with transaction.atomic():
                CommentVote.objects.create(comment=comment, user=by)
        except IntegrityError:
            raise Conflict(_("You already up-voted this comment.")) from None
        Comment.objects.filter(pk=comment.pk).update(upvotes_count=F("upvotes_count") + 1)
    comment.refresh_from_db(fields=["upvotes_count"])
    return comment.upvotes_count


# --- Follows ------------------------------------------------------------------------------------------


def _follow(*, target: Any, user: Any, organisation: Organisation) -> Follow:
    follow, _created = Follow.objects.get_or_create(
        user=user,
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        defaults={"organisation": organisation},
    )
    return follow


@transaction.atomic
def follow(*, target: Any, by: Any) -> Follow:
    """Follow a contribution, a process or a topic (idempotent): its news reach the person."""
    organisation = organisation_of(target)
    if by is None or not by.is_authenticated:
        raise PermissionDenied(_("Please sign in to take part."))
    return _follow(target=target, user=by, organisation=organisation)


@transaction.atomic
def unfollow(*, target: Any, by: Any) -> None:
    """Stop following (idempotent)."""
    Follow.objects.filter(
        user=by, content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk)
    ).delete()


@transaction.atomic
def dialogue_move(*, source: Any, destination: Any) -> None:
    """Move the comments and followers of ``source`` to ``destination`` (merging duplicates).

    Followers of both keep one follow; the move keeps every comment with its replies and votes.
    """
    src_ct = ContentType.objects.get_for_model(source)
    dst_ct = ContentType.objects.get_for_model(destination)
    organisation = organisation_of(destination)
    moved = Comment.objects.filter(content_type=src_ct, object_id=str(source.pk))
    visible = moved.filter(visibility=Visibility.VISIBLE).count()
    moved.update(content_type=dst_ct, object_id=str(destination.pk))
    if visible:
        for obj, delta in ((source, -visible), (destination, visible)):
            if any(f.name == "comments_count" for f in type(obj)._meta.get_fields()):
                type(obj)._default_manager.filter(pk=obj.pk).update(
                    comments_count=F("comments_count") + delta
                )
    already = set(
        Follow.objects.filter(content_type=dst_ct, object_id=str(destination.pk)).values_list(
            "user_id", flat=True
        )
    )
    for follow_row in Follow.objects.filter(content_type=src_ct, object_id=str(source.pk)):
        if follow_row.user_id not in already:
            Follow.objects.create(
                organisation=organisation,
                user_id=follow_row.user_id,
                content_type=dst_ct,
                object_id=str(destination.pk),
            )
            already.add(follow_row.user_id)
    Follow.objects.filter(content_type=src_ct, object_id=str(source.pk)).delete()


# --- Flags and moderation -----------------------------------------------------------------------------


def _author_and_text(target: Any) -> tuple[Any, str]:
    if isinstance(target, Comment):
        return target.author, target.body
    info = _target_info(target)
    return info.author_of(target), info.text_of(target)


def _apply_hidden(moderation: Moderation, hidden: bool) -> None:
    target = moderation.target
    if target is None:
        return
    if isinstance(target, Comment):
        if target.visibility == Visibility.DELETED:
            return
        _set_comment_visibility(target, Visibility.HIDDEN if hidden else Visibility.VISIBLE)
        return
    info = targets.for_object(target)
    if info is not None and info.set_hidden is not None:
        info.set_hidden(target, hidden)


@transaction.atomic
def content_flag(
    *, target: Any, by: Any, reason: str, note: str = "", hide_after: int | None = None
) -> Moderation:
    """Flag a comment or a contribution for moderators, with a reason from the list.

    After ``hide_after`` flags (default ``PARLONS_DIALOGUE_HIDE_AFTER_FLAGS``) the content is hidden pending
    review, unless a moderator already restored it. Errors: Conflict (flagged twice), ValidationFailed,
    PermissionDenied (own content, signed out), RateLimited.
    """
    organisation = organisation_of(target)
    _require_participant(by, organisation)
    if reason not in FlagReason.values:
        raise ValidationFailed(_("Choose a reason."), field="reason")
    note = text.clean(note)
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationFailed(_("Please keep the details under 500 characters."), field="note")
    author, body = _author_and_text(target)
    if author is not None and author.pk == by.pk:
        raise PermissionDenied(_("You cannot flag your own contribution."))
    ratelimit.hit(action="flag", user=by, field="reason")
    moderation = _moderation_for(target, organisation, author=author, excerpt=body)
    try:
        with transaction.atomic():
            Flag.objects.create(moderation=moderation, reporter=by, reason=reason, note=note)
    except IntegrityError:
        raise Conflict(_("You already flagged this; the moderators will look at it.")) from None
    Moderation.objects.filter(pk=moderation.pk).update(
        flags_count=F("flags_count") + 1, updated_at=timezone.now()
    )
    moderation.refresh_from_db()
    if isinstance(target, Comment):
        Comment.objects.filter(pk=target.pk).update(flags_count=F("flags_count") + 1)
    if hide_after is None:
        discussed = target.target if isinstance(target, Comment) else target
        info = targets.for_object(discussed) if discussed is not None else None
        hide_after = info.hide_after(discussed) if info is not None else None
    threshold = hide_after if hide_after is not None else default_hide_after()
    if moderation.state == Moderation.State.RESTORED:
        # A moderator already decided: new flags bring it back to the queue, without hiding it again.
        moderation.state = Moderation.State.PENDING
        moderation.save(update_fields=["state", "updated_at"])
    elif not moderation.is_hidden and threshold and moderation.flags_count >= threshold:
        moderation.is_hidden = True
        moderation.save(update_fields=["is_hidden", "updated_at"])
        _apply_hidden(moderation, True)
        justification = str(_("%(n)d flags") % {"n": moderation.flags_count})
        ModerationAction.objects.create(
            organisation=organisation,
            moderation=moderation,
            kind=ModerationAction.Kind.AUTO_HIDE,
            subject_user=author,
            justification=justification,
        )
        _notify_author(
            moderation,
            template="dialogue/email/moderation_hidden.txt",
            justification=str(_("Several people reported it; the moderators will review it.")),
        )
    return moderation


def _require_justification(justification: str) -> str:
    justification = text.clean(justification)
    if not justification:
        raise ValidationFailed(_("Give a justification: the author will see it."), field="justification")
    return justification[:2000]


@transaction.atomic
def moderation_hide(*, moderation: Moderation, by: Any, justification: str) -> Moderation:
    """Hide flagged or held content, with a justification (logged; the author may appeal)."""
    _require_moderator(by, moderation.organisation)
    if moderation.appealed:
        # Keeping appealed content hidden is the dismissal of the appeal.
        return moderation_appeal_decide(
            moderation=moderation, by=by, grant=False, justification=justification
        )
    justification = _require_justification(justification)
    moderation.state = Moderation.State.HIDDEN
    moderation.is_hidden = True
    moderation.appealed = False
    moderation.save()
    _apply_hidden(moderation, True)
    ModerationAction.objects.create(
        organisation=moderation.organisation,
        moderation=moderation,
        kind=ModerationAction.Kind.HIDE,
        by=by,
        subject_user=moderation.author,
        justification=justification,
    )
    spam_classifier.learn_from_decision(moderation.organisation)
    _notify_author(moderation, template="dialogue/email/moderation_hidden.txt", justification=justification)
    return moderation


@transaction.atomic
def moderation_restore(*, moderation: Moderation, by: Any, justification: str) -> Moderation:
    """Show again content that was hidden or held (logged with its justification)."""
    _require_moderator(by, moderation.organisation)
    if moderation.appealed:
        return moderation_appeal_decide(moderation=moderation, by=by, grant=True, justification=justification)
    justification = _require_justification(justification)
    moderation.state = Moderation.State.RESTORED
    moderation.is_hidden = False
    moderation.appealed = False
    moderation.save()
    _apply_hidden(moderation, False)
    ModerationAction.objects.create(
        organisation=moderation.organisation,
        moderation=moderation,
        kind=ModerationAction.Kind.RESTORE,
        by=by,
        subject_user=moderation.author,
        justification=justification,
    )
    spam_classifier.learn_from_decision(moderation.organisation)
    return moderation


def _appeal_dismissed(moderation: Moderation) -> bool:
    """Whether the author's appeal against the current hiding was already examined and dismissed."""
    last = (
        ModerationAction.objects.filter(
            moderation=moderation,
            kind__in=[
                ModerationAction.Kind.HOLD,
                ModerationAction.Kind.AUTO_HIDE,
                ModerationAction.Kind.HIDE,
                ModerationAction.Kind.DISMISSED,
            ],
        )
        .order_by("-created_at", "-id")
        .values_list("kind", flat=True)
        .first()
    )
    return last == ModerationAction.Kind.DISMISSED


@transaction.atomic
def moderation_appeal(*, moderation: Moderation, by: Any, explanation: str) -> Moderation:
    """The author of hidden or held content asks the moderators to look again, saying why.

    Preconditions: ``by`` is the content's author (a blocked author may still appeal); the content is hidden;
    no appeal is waiting and the last one against this hiding was not already dismissed.
    Side effects: the case goes back to the organisation's queue marked "appealed"; the appeal is logged.
    Errors: PermissionDenied (not the author), ValidationFailed (not hidden, empty explanation), Conflict.
    """
    list(Moderation.objects.select_for_update().filter(pk=moderation.pk).values_list("pk", flat=True))
    moderation.refresh_from_db()
    if by is None or not by.is_authenticated or moderation.author_id != by.pk:
        raise PermissionDenied(_("Only the author can appeal."))
    if not moderation.is_hidden:
        raise ValidationFailed(_("This content is not hidden."))
    if moderation.appealed:
        raise Conflict(_("Your appeal is already waiting for the moderators."))
    if _appeal_dismissed(moderation):
        raise Conflict(_("Your appeal was already examined: the decision is final."))
    explanation = text.clean(explanation)
    if not explanation:
        raise ValidationFailed(_("Explain why the moderators should look again."), field="explanation")
    if len(explanation) > 2000:
        raise ValidationFailed(_("Please keep the explanation under 2000 characters."), field="explanation")
    moderation.state = Moderation.State.PENDING
    moderation.appealed = True
    moderation.save()
    ModerationAction.objects.create(
        organisation=moderation.organisation,
        moderation=moderation,
        kind=ModerationAction.Kind.APPEAL,
        by=by,
        subject_user=by,
        justification=explanation,
    )
    return moderation


@transaction.atomic
def moderation_appeal_decide(
    *, moderation: Moderation, by: Any, grant: bool, justification: str, unblock: bool = False
) -> Moderation:
    """A moderator decides an appeal: ``grant`` restores the content (and, with ``unblock``, lets a blocked
    author take part again); otherwise the content stays hidden and the decision is final.

    Preconditions: ``by`` moderates the case's organisation; an appeal is waiting.
    Side effects: logged (``granted`` / ``dismissed``, and ``unblock``) with the justification; the author is
    e-mailed the decision and its justification once the transaction commits.
    Errors: PermissionDenied (not a moderator), ValidationFailed (no appeal waiting, no justification).
    """
    _require_moderator(by, moderation.organisation)
    list(Moderation.objects.select_for_update().filter(pk=moderation.pk).values_list("pk", flat=True))
    moderation.refresh_from_db()
    if not moderation.appealed:
        raise ValidationFailed(_("No appeal is waiting on this content."))
    justification = _require_justification(justification)
    organisation = moderation.organisation
    moderation.appealed = False
    moderation.state = Moderation.State.RESTORED if grant else Moderation.State.HIDDEN
    moderation.is_hidden = not grant
    moderation.save()
    _apply_hidden(moderation, not grant)
    ModerationAction.objects.create(
        organisation=organisation,
        moderation=moderation,
        kind=ModerationAction.Kind.GRANTED if grant else ModerationAction.Kind.DISMISSED,
        by=by,
        subject_user=moderation.author,
        justification=justification,
    )
    spam_classifier.learn_from_decision(organisation)
    if grant and unblock and moderation.author is not None:
        user_unblock(organisation=organisation, user=moderation.author, by=by, justification=justification)
    _notify_author(
        moderation,
        template="dialogue/email/appeal_decided.txt",
        justification=justification,
        extra={"granted": grant},
    )
    return moderation


@transaction.atomic
def user_block(*, organisation: Organisation, user: Any, by: Any, justification: str) -> UserBlock:
    """Stop a participant from posting in this organisation (logged with the justification)."""
    _require_moderator(by, organisation)
    justification = _require_justification(justification)
    if user.pk == by.pk or permissions.is_staff(user, organisation):
        raise ValidationFailed(_("Staff members cannot be blocked here."))
    block, created = UserBlock.objects.get_or_create(
        organisation=organisation, user=user, defaults={"by": by, "justification": justification}
    )
    if created:
        ModerationAction.objects.create(
            organisation=organisation,
            kind=ModerationAction.Kind.BLOCK,
            by=by,
            subject_user=user,
            justification=justification,
        )
    return block


@transaction.atomic
def user_unblock(*, organisation: Organisation, user: Any, by: Any, justification: str) -> None:
    _require_moderator(by, organisation)
    justification = _require_justification(justification)
    deleted, _rows = UserBlock.objects.filter(organisation=organisation, user=user).delete()
    if deleted:
        ModerationAction.objects.create(
            organisation=organisation,
            kind=ModerationAction.Kind.UNBLOCK,
            by=by,
            subject_user=user,
            justification=justification,
        )


def moderation_get(*, organisation: Organisation, pk: int) -> Moderation:
    moderation = Moderation.objects.for_organisation(organisation).filter(pk=pk).first()
    if moderation is None:
        raise NotFound(_("This moderation case does not exist."))
    return moderation


# --- Notifications ------------------------------------------------------------------------------------


def _mentioned_users(organisation: Organisation, handles: Iterable[str]) -> list[User]:
    handles = list(handles)
    if not handles:
        return []
    first_letters = {h[0] for h in handles}
    query = Q()
    for letter in first_letters:
        query |= Q(display_name__istartswith=letter) | Q(email__istartswith=letter)
    found: list[User] = []
    members = User.objects.filter(query, memberships__organisation=organisation, deleted_at__isnull=True)
    for user in members[:500]:
        names = {text.handle(user.display_name or ""), text.handle(user.email.split("@")[0])}
        if names & set(handles):
            found.append(user)
    return found


def _absolute(organisation: Organisation, path: str) -> str:
    if organisation.host:
        return f"https://{organisation.host}{path}"
    base = str(_setting("PARLONS_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")
    prefix = "" if organisation.is_default else f"/o/{organisation.slug}"
    return f"{base}{prefix}{path}"


def _absolute_path(organisation: Organisation, path: str) -> str:
    """``_absolute`` for a path reversed in a request, whose script prefix (``/o/<slug>/``) it adds itself."""
    prefix = get_script_prefix().rstrip("/")
    if prefix and path.startswith(prefix + "/"):
        path = path[len(prefix) :]
    return _absolute(organisation, path)


def _notify_author(
    moderation: Moderation, *, template: str, justification: str, extra: dict[str, Any] | None = None
) -> None:
    """E-mail the author of moderated content what was decided and why, with the way to appeal."""
    author = moderation.author
    if author is None or not author.email or getattr(author, "deleted_at", None) is not None:
        return
    organisation = moderation.organisation
    context = {
        "organisation": organisation,
        "excerpt": moderation.excerpt[:300],
        "justification": justification,
        "url": _absolute_path(organisation, reverse("dialogue:mine")),
        **(extra or {}),
    }
    email = author.email

    def send() -> None:
        with translation.override(organisation.default_language or settings.LANGUAGE_CODE):
            if template.endswith("appeal_decided.txt"):
                subject = _("Your appeal was examined")
            else:
                subject = _("Your contribution was hidden by the moderators")
            send_mail(str(subject)[:200], render_to_string(template, context), None, [email])

    transaction.on_commit(send)


def followers_notify(
    *, target: Any, subject: Any, template: str, context: dict[str, Any], path: str, exclude: Any = None
) -> int:
    """E-mail the followers of ``target`` some news of it, once the transaction has committed.

    ``subject`` is a lazy translated string (with ``%(title)s`` if wanted), rendered in the organisation's
    language; ``template`` a text e-mail template receiving ``context`` plus ``organisation``, ``title`` and the
    absolute ``url`` of ``path`` (a path reversed in a request or not). Returns how many will be e-mailed."""
    organisation = organisation_of(target)
    ids = Follow.objects.for_organisation(organisation).filter(
        content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk)
    )
    if exclude is not None and getattr(exclude, "pk", None):
        ids = ids.exclude(user_id=exclude.pk)
    emails = list(
        User.objects.filter(pk__in=ids.values("user_id"), deleted_at__isnull=True)
        .exclude(email="")
        .values_list("email", flat=True)[:5000]
    )
    if not emails:
        return 0
    title = str(getattr(target, "title", "") or target)
    full = {
        **context,
        "organisation": organisation,
        "title": title,
        "url": _absolute_path(organisation, path),
    }

    def send() -> None:
        with translation.override(organisation.default_language or settings.LANGUAGE_CODE):
            text_subject = str(subject) % {"title": title} if "%(title)s" in str(subject) else str(subject)
            body = render_to_string(template, full)
            for email in emails:
                send_mail(text_subject[:200], body, None, [email])

    transaction.on_commit(send)
    return len(emails)


def _notify_new_comment(*, comment: Comment, target: Any, info: targets.Target) -> None:
    """E-mail the mentioned members and the followers, once the transaction has committed."""
    organisation = comment.organisation
    mentioned = [
        u for u in _mentioned_users(organisation, text.mentions(comment.body)) if u.pk != comment.author_id
    ]
    mentioned_ids = {u.pk for u in mentioned}
    follower_ids = (
        set(
            Follow.objects.filter(content_type=comment.content_type, object_id=comment.object_id)
            .exclude(user_id=comment.author_id)
            .values_list("user_id", flat=True)
        )
        - mentioned_ids
    )
    followers = list(User.objects.filter(pk__in=follower_ids, deleted_at__isnull=True)[:1000])
    if not mentioned and not followers:
        return
    url = _absolute(organisation, f"{info.url_of(target)}#comment-{comment.public_id}")
    title = info.title_of(target)
    author = comment.author.public_name if comment.author else ""
    sends = [(u.email, "dialogue/email/mention.txt") for u in mentioned] + [
        (u.email, "dialogue/email/new_comment.txt") for u in followers
    ]

    def send() -> None:
        with translation.override(organisation.default_language or settings.LANGUAGE_CODE):
            for email, template in sends:
                context = {
                    "organisation": organisation,
                    "title": title,
                    "url": url,
                    "author": author,
                    "body": comment.body,
                }
                subject = (
                    _("%(author)s mentioned you: %(title)s")
                    if template.endswith("mention.txt")
                    else _("New comment: %(title)s")
                ) % {"author": author, "title": title}
                send_mail(str(subject)[:200], render_to_string(template, context), None, [email])

    transaction.on_commit(send)
