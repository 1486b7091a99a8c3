"""A conversation: a question, short statements, agree/disagree/pass votes, and the computed opinion map."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parlons.common.models import TimeStampedModel
from parlons.common.tenancy import TenantModel
from parlons.core.models import Component, Organisation, PublicIdTenantModel

STATEMENT_MAX_LENGTH = 280


class Conversation(PublicIdTenantModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="conversations")
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="conversations")
    question = models.CharField(_("question"), max_length=300)
    description = models.TextField(_("context"), blank=True)
    allow_statements = models.BooleanField(_("participants may add statements"), default=True)
    is_open = models.BooleanField(_("open for votes"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return self.question


class Participant(TenantModel, TimeStampedModel):
    """A person in one conversation, with the small number the Pol.is format and the map use (not their name)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    number = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "number"], name="conversations_participant_number"
            ),
            models.UniqueConstraint(fields=["conversation", "user"], name="conversations_participant_user"),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"


class Statement(PublicIdTenantModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="statements")
    number = models.PositiveIntegerField()
    text = models.TextField(_("statement"), max_length=STATEMENT_MAX_LENGTH)
    author = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "number"], name="conversations_statement_number"),
        ]

    def __str__(self) -> str:
        return self.text


class Vote(TenantModel, TimeStampedModel):
    class Value(models.IntegerChoices):
        AGREE = 1, _("Agree")
        DISAGREE = -1, _("Disagree")
        PASS = 0, _("Pass / unsure")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="votes")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(choices=Value)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["statement", "participant"], name="conversations_one_vote"),
        ]
        indexes = [models.Index(fields=["conversation", "updated_at"])]


class OpinionResult(TenantModel):
    """The latest computed map (``parlons.insights.opinion.pipeline`` output as JSON), with its computation time."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="result")
    data = models.JSONField(default=dict)
    ok = models.BooleanField(default=False)
    votes = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)
    computed_at = models.DateTimeField()
