"""Questionnaires (their definition is JSON read by ``logic.py``), responses saved as they go, uploaded files."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parlons.common.models import PublicIdModel, TimeStampedModel
from parlons.common.tenancy import TenantModel
from parlons.core.models import Component, Organisation, PublicIdTenantModel
from parlons.modules.surveys import logic


class Uniqueness(models.TextChoices):
    PERSON = "person", _("One response per person (account, or device when anonymous)")
    DEVICE = "device", _("One response per device")
    NONE = "none", _("Several responses allowed")


class Survey(PublicIdTenantModel):
    """A questionnaire in a component, or a template of the organisation (``is_template``, no component)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="surveys")
    component = models.ForeignKey(
        Component, null=True, blank=True, on_delete=models.CASCADE, related_name="surveys"
    )
    # {"fr": "…", "en": "…"}
    title = models.JSONField(_("title"), default=dict)
    description = models.JSONField(_("introduction"), default=dict, blank=True)
    definition = models.JSONField(_("questions and rules"), default=dict, blank=True)
    is_template = models.BooleanField(_("template"), default=False)
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    allow_anonymous = models.BooleanField(_("answering without an account"), default=False)
    uniqueness = models.CharField(
        _("responses per person"), max_length=10, choices=Uniqueness, default=Uniqueness.PERSON
    )
    results_public = models.BooleanField(_("publish results"), default=False)
    # Keys of the questions whose results are on the public page when results are published.
    published_questions = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return logic.tr(self.title, "fr") or self.public_id

    def title_in(self, lang: str) -> str:
        return logic.tr(self.title, lang)

    def is_open(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return (self.opens_at is None or self.opens_at <= now) and (
            self.closes_at is None or now < self.closes_at
        )

    def get_absolute_url(self) -> str:
        component = self.component
        if component is None:
            return reverse("core:home")
        return reverse(
            "surveys:detail",
            kwargs={
                "process_slug": component.process.slug,
                "component_id": component.pk,
                "public_id": self.public_id,
            },
        )


class Response(TenantModel, PublicIdModel, TimeStampedModel):
    """One person's answers, saved page by page; submitted once, then read-only with a receipt."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("In progress")
        SUBMITTED = "submitted", _("Sent")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        COUNTER = "counter", _("At a counter (entered by an agent)")
        PHONE = "phone", _("By phone (entered by an agent)")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Random identifier kept in a signed cookie: resumes anonymous answers, and enforces one per device.
    device_id = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT, db_index=True)
    answers = models.JSONField(default=dict, blank=True)
    current_page = models.CharField(max_length=40, blank=True)
    # {"district": slug, "age_group": key, "topics": [slugs]}, from the account and the profile questions.
    profile = models.JSONField(default=dict, blank=True)
    district = models.CharField(max_length=80, blank=True, db_index=True)
    age_group = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=8, blank=True)
    channel = models.CharField(max_length=10, choices=Channel, default=Channel.ONLINE)
    assisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    receipt = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [models.Index(fields=["survey", "status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.public_id} ({self.status})"

    @property
    def is_assisted(self) -> bool:
        return self.assisted_by_id is not None


class ResponseFile(TenantModel):
    """A photo sent as an answer: decoded and re-encoded by Pillow (metadata removed), named by its hash."""

    tenant_path = "response__organisation"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="files")
    question_key = models.CharField(max_length=40)
    file = models.FileField(upload_to="surveys/%Y/")
    content_hash = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("survey file")
        verbose_name_plural = _("survey files")

    def __str__(self) -> str:
        return self.original_name or self.content_hash


# The question key of the survey-wide aggregates: "responses" (sent), "assisted", "stamp" (cache version).
SURVEY_SLOT = ""


class ResultCount(TenantModel):
    """One aggregate of a survey's sent responses: a counter (or sum) for one slot of one question.

    Kept up to date by ``services.response_submit`` in the same transaction, rebuilt from the answers by
    ``parlons surveys_rebuild_results``; the results page reads these rows instead of every response.
    Slots are described in ``results.contributions``.
    """

    tenant_path = "survey__organisation"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="result_counts")
    question_key = models.CharField(max_length=40)
    slot = models.CharField(max_length=200)
    amount = models.FloatField(default=0)

    class Meta:
        verbose_name = _("survey result count")
        verbose_name_plural = _("survey result counts")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "question_key", "slot"], name="surveys_resultcount_unique_slot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.question_key}:{self.slot}={self.amount:g}"
