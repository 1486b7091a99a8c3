"""Dialogue on any contribution of any module: comments, up-votes, follows, flags and moderation.

Contributions are addressed generically (content type + object id) and every row carries its organisation,
so the dialogue never needs to know the module that owns what is discussed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parlons.common.models import PublicIdModel, TimeStampedModel
from parlons.common.tenancy import TenantModel

MAX_DEPTH = 2  # three levels: 0, 1, 2


class Alignment(models.IntegerChoices):
    AGAINST = -1, _("Against")
    NEUTRAL = 0, _("Neutral")
    FOR = 1, _("For")


class Visibility(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HELD = "held", _("Held for review")
    HIDDEN = "hidden", _("Hidden by moderation")
    DELETED = "deleted", _("Deleted by its author")


class Comment(TenantModel, PublicIdModel, TimeStampedModel):
    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("comment"))
    alignment = models.SmallIntegerField(_("position"), choices=Alignment, null=True, blank=True)
    is_official = models.BooleanField(_("official reply"), default=False)
    official_role = models.CharField(_("on behalf of"), max_length=200, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility, default=Visibility.VISIBLE)
    spam_score = models.FloatField(default=0.0)
    spam_reasons = models.JSONField(default=list, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    upvotes_count = models.PositiveIntegerField(default=0)
    flags_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"], name="comment_target_idx"),
            models.Index(fields=["organisation", "visibility"], name="comment_org_visibility_idx"),
        ]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def is_visible(self) -> bool:
        return self.visibility == Visibility.VISIBLE


class CommentRevision(TenantModel):
    """The text of a comment before each edit; shown to moderators only."""

    tenant_path = "comment__organisation"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class CommentVote(TenantModel):
    tenant_path = "comment__organisation"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="one_upvote_per_person")]


class Follow(TenantModel):
    """Someone follows a contribution, a process or a topic: they are the audience of its notifications."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="one_follow_per_target"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="follow_target_idx")]


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    OFFENSIVE = "offensive", _("Insulting, hateful or harassing")
    PERSONAL = "personal", _("Reveals personal information")
    OFF_TOPIC = "off_topic", _("Off topic")
    ILLEGAL = "illegal", _("Illegal content")
    OTHER = "other", _("Other")


class Moderation(TenantModel, TimeStampedModel):
    """The moderation case of one piece of content (comment, proposal, debate...), opened by flags or the spam check."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        HIDDEN = "hidden", _("Hidden")
        RESTORED = "restored", _("Restored")

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    excerpt = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    is_hidden = models.BooleanField(default=False)
    flags_count = models.PositiveIntegerField(default=0)
    spam_score = models.FloatField(default=0.0)
    spam_reasons = models.JSONField(default=list, blank=True)
    # The words that drove the spam score: [[word, weight], ...], largest first (shown in the queue).
    spam_terms = models.JSONField(default=list, blank=True)
    appealed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="one_moderation_per_target")
        ]
        indexes = [models.Index(fields=["organisation", "state"], name="moderation_queue_idx")]


class Flag(TenantModel):
    tenant_path = "moderation__organisation"

    moderation = models.ForeignKey(Moderation, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=12, choices=FlagReason)
    note = models.CharField(_("details"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["moderation", "reporter"], name="one_flag_per_person")]


class ModerationAction(TenantModel):
    """The log of moderation: every hide, restore, block and appeal, with its justification."""

    class Kind(models.TextChoices):
        AUTO_HIDE = "auto_hide", _("Hidden automatically after flags")
        HOLD = "hold", _("Held by the spam check")
        HIDE = "hide", _("Hidden")
        RESTORE = "restore", _("Restored")
        BLOCK = "block", _("Participant blocked")
        UNBLOCK = "unblock", _("Participant unblocked")
        APPEAL = "appeal", _("Appeal by the author")
        GRANTED = "granted", _("Appeal granted: content restored")
        DISMISSED = "dismissed", _("Appeal dismissed: content stays hidden")

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    moderation = models.ForeignKey(
        Moderation, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    justification = models.TextField(_("justification"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class UserBlock(TenantModel):
    """A participant who may no longer post in this organisation."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    justification = models.TextField(_("justification"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="one_block_per_person")]
