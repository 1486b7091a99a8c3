"""What the analysis of an organisation's or a process's contributions keeps between runs.

A *scope* is an organisation as a whole (``process`` empty) or one of its processes. Each scope has its
themes (``Theme``, keyed ``t3`` / ``t3.7`` as the pure pipeline names them) and the contributions last analysed
(``AnalysedText``, with the theme they are in and whether an official pinned them there). Officials' corrections
(renamed labels, merged and split themes, tagged contributions) live in these rows, so the next run keeps them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from parlons.common.models import TimeStampedModel
from parlons.common.tenancy import TenantModel


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class AnalysisRun(TenantModel, TimeStampedModel):
    """One analysis of a scope's contributions, run by the task queue; ``progress`` goes from 0 to 100."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="analysis_runs"
    )
    process = models.ForeignKey(
        "core.Process", null=True, blank=True, on_delete=models.CASCADE, related_name="analysis_runs"
    )
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    texts = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    languages = models.JSONField(default=dict, blank=True)
    next_number = models.PositiveIntegerField(default=1)  # the pipeline's next fresh theme number
    district_signals = models.JSONField(default=list, blank=True)  # sudden surges in a district
    error = models.TextField(blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=("organisation", "process", "-created_at"))]

    def __str__(self) -> str:
        return f"analysis {self.pk} ({self.status})"

    def page_url(self) -> str:
        """The analysis page of the run's scope (staff only: hence not ``get_absolute_url``)."""
        if self.process is not None:
            return reverse("insights:process_overview", kwargs={"slug": self.process.slug})
        return reverse("insights:overview")


class Theme(TenantModel, TimeStampedModel):
    """A theme (``parent_key`` empty) or a sub-theme of a scope. ``label_pinned``: an official named it."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="themes")
    process = models.ForeignKey(
        "core.Process", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=32)
    parent_key = models.CharField(max_length=32, blank=True)
    label = models.CharField(max_length=200)
    label_pinned = models.BooleanField(default=False)
    keywords = models.JSONField(default=list, blank=True)
    size = models.PositiveIntegerField(default=0)
    quotes = models.JSONField(default=list, blank=True)  # AnalysedText doc ids, nearest the centre first
    tone = models.JSONField(
        default=dict, blank=True
    )  # {"positive": n, "negative": n, "neutral": n, "mean": x}
    duplicates = models.JSONField(default=list, blank=True)  # [[doc id, ...], ...] groups of near-duplicates
    signals = models.JSONField(default=list, blank=True)  # weak signals with their evidence

    class Meta:
        ordering = ("parent_key", "-size", "key")
        constraints = [
            models.UniqueConstraint(
                fields=("organisation", "process", "key"), name="insights_theme_key_per_scope"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def page_url(self) -> str:
        """The theme's page in the back office (staff only: hence not ``get_absolute_url``)."""
        if self.process is not None:
            return reverse("insights:process_theme", kwargs={"slug": self.process.slug, "key": self.key})
        return reverse("insights:theme", kwargs={"key": self.key})


class AnalysedText(TenantModel):
    """A contribution as last analysed: where it came from, its text, its theme and tone."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    process = models.ForeignKey(
        "core.Process", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    component = models.ForeignKey(
        "core.Component", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    module = models.CharField(max_length=40)
    doc_id = models.CharField(max_length=200)
    text = models.TextField()
    lang = models.CharField(max_length=8, blank=True)
    area = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(null=True, blank=True)  # when the source says, else when first analysed
    first_seen = models.DateTimeField()
    theme_key = models.CharField(max_length=32, blank=True)
    subtheme_key = models.CharField(max_length=32, blank=True)
    pinned = models.BooleanField(default=False)  # an official tagged it with its theme
    tone_label = models.CharField(max_length=10, blank=True)
    tone_score = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ("doc_id",)
        constraints = [
            models.UniqueConstraint(
                fields=("organisation", "process", "doc_id"), name="insights_text_per_scope"
            ),
        ]
        indexes = [models.Index(fields=("organisation", "process", "theme_key"))]

    def __str__(self) -> str:
        return self.doc_id
