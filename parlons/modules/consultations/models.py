"""Consultations: proposals with supports, amendments and official answers; debates with a conclusion."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parlons.common.models import PublicIdModel, TimeStampedModel
from parlons.common.tenancy import TenantModel
from parlons.core.models import PublicIdTenantModel


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn by its author")
    MERGED = "merged", _("Merged into another proposal")
    SPLIT = "split", _("Split into several proposals")


class BaseAnswer(models.TextChoices):
    """The states every organisation has; custom ones (AnswerState) map onto one of them."""

    EVALUATING = "evaluating", _("Under evaluation")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    IMPLEMENTED = "implemented", _("Implemented")


class AnswerState(TenantModel):
    """A state of official answer proper to one organisation (e.g. "Passed to the metropolis")."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    slug = models.SlugField(max_length=60)
    label = models.CharField(_("name"), max_length=100)
    base = models.CharField(_("counts as"), max_length=12, choices=BaseAnswer)

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="answer_state_slug_per_org")
        ]

    def __str__(self) -> str:
        return self.label


class Proposal(PublicIdTenantModel):
    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    component = models.ForeignKey("core.Component", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("description"))
    topic = models.ForeignKey(
        "core.Topic",
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    area = models.ForeignKey(
        "core.Area",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Words of the title and body, normalised, for the similar-proposals check (see similarity.py).
    fingerprint = models.TextField(blank=True)
    supports_count = models.PositiveIntegerField(default=0)
    endorsements_count = models.PositiveIntegerField(default=0)
    comments_count = models.IntegerField(default=0)
    threshold_reached_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(default=False)
    # The published official answer...
    answer_state = models.CharField(_("answer"), max_length=60, blank=True)
    answer_body = models.TextField(_("official answer"), blank=True)
    answer_cost = models.DecimalField(
        _("estimated cost (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # ...and the one being prepared, private until published in bulk.
    draft_answer_state = models.CharField(max_length=60, blank=True)
    draft_answer_body = models.TextField(blank=True)
    draft_answer_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    implementation_label = models.CharField(_("implemented by"), max_length=200, blank=True)
    implementation_url = models.URLField(_("link to what implements it"), blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    split_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="split_parts"
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(
                fields=["component", "status", "is_hidden", "published_at"], name="proposal_recent_idx"
            ),
            models.Index(
                fields=["component", "status", "is_hidden", "supports_count"], name="proposal_supported_idx"
            ),
            models.Index(
                fields=["component", "status", "is_hidden", "comments_count"], name="proposal_discussed_idx"
            ),
        ]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "consultations:detail",
            kwargs={
                "process_slug": self.component.process.slug,
                "component_id": self.component_id,
                "public_id": self.public_id,
            },
        )

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED


class ProposalVersion(TenantModel):
    """Each text a proposal had: the first, and one per accepted amendment (diffs are shown between them)."""

    tenant_path = "proposal__organisation"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    title = models.CharField(max_length=150)
    body = models.TextField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class ProposalAttachment(TenantModel):
    """An image (with its required text alternative) or a PDF document attached to a proposal by its author.

    Files are checked by their content (``attachments.py``) and stored under a random name; images are re-encoded.
    """

    tenant_path = "proposal__organisation"

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        DOCUMENT = "document", _("Document")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to="consultations/attachments/%Y/%m/")
    # Images: what the image shows, for people who cannot see it. Documents: their title.
    description = models.CharField(max_length=300)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class CoauthorInvitation(TenantModel):
    """A proposal's author invites someone by e-mail to sign it too; the link is accepted by a signed-in person."""

    tenant_path = "proposal__organisation"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="coauthor_invitations")
    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "email"], name="coauthor_invitation_once"),
        ]


class Support(TenantModel):
    tenant_path = "proposal__organisation"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="one_support_per_person")]


class Amendment(TenantModel, PublicIdModel, TimeStampedModel):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the author")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        PROMOTED = "promoted", _("Became its own proposal")

    tenant_path = "proposal__organisation"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="amendments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("description"))
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    # Held by the spam check or hidden by moderation: shown only to its author and the moderators.
    is_hidden = models.BooleanField(default=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    promoted_to = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")


class Debate(PublicIdTenantModel):
    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    component = models.ForeignKey("core.Component", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_official = models.BooleanField(default=False)
    title = models.CharField(_("question"), max_length=200)
    body = models.TextField(_("context"))
    comments_count = models.IntegerField(default=0)
    is_hidden = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("debate")
        verbose_name_plural = _("debates")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "consultations:debate",
            kwargs={
                "process_slug": self.component.process.slug,
                "component_id": self.component_id,
                "public_id": self.public_id,
            },
        )

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class UserGroup(PublicIdTenantModel):
    """An organisation of citizens (an association, a collective) that can endorse proposals once an
    administrator of the platform's organisation has verified it."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="user_group_name_per_org")
        ]
        verbose_name = _("group")
        verbose_name_plural = _("groups")

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class UserGroupMembership(TenantModel):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator of the group")
        MEMBER = "member", _("Member")

    tenant_path = "group__organisation"

    group = models.ForeignKey(UserGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=Role, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="user_group_member_once")]


class UserGroupInvitation(TenantModel):
    """An administrator of a group invites a registered member of the organisation (found by their e-mail
    address) to join it; the invited person accepts or declines once signed in."""

    tenant_path = "group__organisation"

    group = models.ForeignKey(UserGroup, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(
        max_length=10, choices=UserGroupMembership.Role, default=UserGroupMembership.Role.MEMBER
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="user_group_invited_once")]


class Endorsement(TenantModel):
    """A verified group backs a proposal, once per group; made by one of its members on its behalf."""

    tenant_path = "proposal__organisation"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="endorsements")
    group = models.ForeignKey(UserGroup, on_delete=models.CASCADE, related_name="endorsements")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "group"], name="one_endorsement_per_group")
        ]
