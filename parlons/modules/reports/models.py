"""Reports of local problems: categories routed to services, reports with their photos, followers,
satisfaction surveys and answer templates.

Positions are kept twice: a GeoDjango point (for spatial queries and GeoJSON) and plain indexed ``lon``/``lat``
floats, so that the map's bounding-box filter and grid clustering run on a B-tree index with the same SQL on
PostGIS and SpatiaLite, at a million reports.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parlons.common.models import TimeStampedModel
from parlons.common.tenancy import TenantModel
from parlons.core.models import PublicIdTenantModel


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    FIXED = "fixed", _("Fixed")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.RECEIVED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)


class CloseReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate of another report")
    NOT_RESPONSIBLE = "not_responsible", _("Not our responsibility")
    WONT_FIX = "wont_fix", _("Will not be fixed")


class Category(TenantModel):
    """A kind of problem (pothole, broken street light...), handled by a service of the organisation."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="report_categories"
    )
    service = models.ForeignKey(
        "core.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_categories",
    )
    slug = models.SlugField(max_length=80)
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    external_email = models.EmailField(
        _("external body e-mail"),
        blank=True,
        help_text=_("When another authority is responsible, reports are also sent to this address."),
    )
    external_name = models.CharField(_("external body"), max_length=200, blank=True)
    sla_hours = models.PositiveIntegerField(_("target time (hours)"), default=168)
    keywords = models.TextField(
        _("keywords"), blank=True, help_text=_("Words that suggest this category, separated by commas.")
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="report_category_slug_per_org")
        ]

    def __str__(self) -> str:
        return self.name

    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]


class CategoryRoute(TenantModel):
    """In one district, a category goes to another service than its default one."""

    tenant_path = "category__organisation"

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routes")
    area = models.ForeignKey(
        "core.Area", verbose_name=_("district"), on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        "core.Service", verbose_name=_("service"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["category", "area"], name="one_route_per_category_area")
        ]

    def __str__(self) -> str:
        return f"{self.category} / {self.area} → {self.service}"


class Report(PublicIdTenantModel):
    """A problem in the public space reported by a citizen, from received to fixed or closed."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="reports")
    component = models.ForeignKey("core.Component", on_delete=models.CASCADE, related_name="reports")
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="reports"
    )
    service = models.ForeignKey(
        "core.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    area = models.ForeignKey(
        "core.Area",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_reports",
    )
    point = gis_models.PointField(_("position"), srid=4326)
    lon = models.FloatField()
    lat = models.FloatField()
    address = models.CharField(_("address"), max_length=300, blank=True)
    description = models.TextField(_("description"))
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.RECEIVED)
    close_reason = models.CharField(_("reason for closing"), max_length=20, choices=CloseReason, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    # Contact of the reporter, kept for the service and never shown publicly.
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    is_anonymous = models.BooleanField(_("name hidden"), default=False)
    is_private = models.BooleanField(_("private"), default=False)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    followers_count = models.PositiveIntegerField(_("followers"), default=0)
    idempotency_key = models.CharField(max_length=64, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    fixed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened_count = models.PositiveIntegerField(_("reopened"), default=0)
    external_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            # The map: bounding box and grid clustering per component, without touching the table.
            models.Index(fields=["component", "lat", "lon"], name="report_component_latlon"),
            # The street-level map: public reports of a box with the map's filters, read from the index.
            models.Index(
                fields=["component", "is_private", "lat", "lon", "status", "category", "area"],
                name="report_map_covering",
            ),
            models.Index(fields=["component", "status", "lat", "lon"], name="report_comp_status_latlon"),
            # Duplicate check: open reports of a category near a point.
            models.Index(fields=["category", "status", "lat", "lon"], name="report_category_near"),
            # Work queue of a service, oldest first; overdue filter.
            models.Index(fields=["component", "service", "status", "created_at"], name="report_queue"),
            models.Index(fields=["status", "due_at"], name="report_due"),
            models.Index(fields=["organisation", "updated_at"], name="report_org_updated"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["component", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="report_idempotency_per_component",
            )
        ]

    def __str__(self) -> str:
        return f"{self.category} — {self.public_id}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse(
            "reports:detail",
            kwargs={
                "process_slug": self.component.process.slug,
                "component_id": self.component_id,
                "public_id": self.public_id,
            },
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def public_author(self) -> str:
        if self.is_anonymous or self.reporter is None:
            return str(_("Anonymous resident"))
        return self.reporter.public_name

    def reporter_email(self) -> str:
        if self.reporter is not None and not self.reporter.deleted_at:
            return self.reporter.email
        return self.contact_email


class ReportCell(TenantModel):
    """How many reports one cell of the map's clustering grid holds, at one grid level, for one combination
    of the map's filters (status, category, district) and visibility; with the sums of their longitudes
    and latitudes, so that a cluster's centroid is ``sum / n``. Maintained by the services
    (``cells.report_changed``) and rebuilt by ``parlons reports_rebuild_cells``.

    ``district`` is the report's area id, 0 when it lies in none (a plain integer, so that the upsert's
    unique key never holds NULL).
    """

    tenant_path = "component__process__organisation"

    component = models.ForeignKey("core.Component", on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField()
    cx = models.IntegerField()
    cy = models.IntegerField()
    status = models.CharField(max_length=20, choices=Status)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    district = models.PositiveIntegerField(default=0)
    is_private = models.BooleanField(default=False)
    n = models.IntegerField(default=0)
    sum_lon = models.FloatField(default=0.0)
    sum_lat = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("map cell")
        verbose_name_plural = _("map cells")
        constraints = [
            models.UniqueConstraint(
                fields=["component", "level", "cx", "cy", "status", "category", "district", "is_private"],
                name="report_cell_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.level}/{self.cx}/{self.cy}: {self.n}"


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")


class ReportPhoto(TenantModel, TimeStampedModel):
    """A photo of a report, stored once per content (SHA-256 of the cleaned JPEG), EXIF removed."""

    tenant_path = "report__organisation"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    file = models.ImageField(_("photo"), upload_to="reports/photos/", max_length=200)
    content_hash = models.CharField(max_length=64, db_index=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=PhotoKind, default=PhotoKind.BEFORE)
    is_blurred = models.BooleanField(_("blurred"), default=False)
    # False while a moderator has not reviewed it (component setting "photos reviewed before publication"):
    # then only the reporter and the staff see it.
    is_published = models.BooleanField(_("published"), default=True)
    position = models.PositiveSmallIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "position", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        constraints = [models.UniqueConstraint(fields=["report", "content_hash"], name="report_photo_once")]

    def __str__(self) -> str:
        return self.content_hash[:12]

    @property
    def url(self) -> str:
        """The photo's address, served by the reports module with its visibility checks (never /media/)."""
        from django.urls import reverse

        return reverse(
            "report_photo", kwargs={"public_id": self.report.public_id, "content_hash": self.content_hash}
        )


class ReportFollower(TenantModel):
    """A person who has the same problem ("me too") and is told about every change."""

    tenant_path = "report__organisation"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"], condition=Q(user__isnull=False), name="follow_once_user"
            ),
            models.UniqueConstraint(
                fields=["report", "email"], condition=~Q(email=""), name="follow_once_email"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.user_id or self.email}"


def _survey_token() -> str:
    return secrets.token_urlsafe(24)


class SatisfactionSurvey(TenantModel):
    """ "Is it really fixed?", asked to the reporter some weeks after a report is marked fixed."""

    tenant_path = "report__organisation"

    class Answer(models.TextChoices):
        YES = "yes", _("Yes, it is fixed")
        NO = "no", _("No, it is not fixed")
        DONT_KNOW = "dont_know", _("I don't know")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="surveys")
    email = models.EmailField()
    token = models.CharField(max_length=40, unique=True, default=_survey_token)
    due_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(_("is it fixed?"), max_length=10, choices=Answer, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("satisfaction"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_at"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")

    def __str__(self) -> str:
        return f"{self.report_id}:{self.answer or '-'}"


class AnswerTemplate(TenantModel):
    """A reusable answer of a service ("The pothole has been filled...")."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="report_answer_templates"
    )
    service = models.ForeignKey(
        "core.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    status = models.CharField(_("status to set"), max_length=20, choices=Status, blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("answer template")
        verbose_name_plural = _("answer templates")

    def __str__(self) -> str:
        return self.title


class Open311ApiKey(TenantModel):
    """A key that lets an application file Open311 service requests for one organisation.

    Managed by the organisation's administrators; only the SHA-256 of the key is stored (and a short prefix
    to recognise it). ``component``, when set, is the reports component its requests go to.
    """

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="open311_api_keys"
    )
    component = models.ForeignKey(
        "core.Component",
        verbose_name=_("component"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Open311Submission(TenantModel):
    """How a report came in through Open311: the key, the token given back, and the fields reports lack."""

    tenant_path = "report__organisation"

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="open311_submission")
    api_key = models.ForeignKey(
        Open311ApiKey, null=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    token = models.CharField(max_length=40, unique=True)
    media_url = models.URLField(max_length=500, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    address_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")

    def __str__(self) -> str:
        return self.token
