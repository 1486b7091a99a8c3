"""The core of the platform: organisations (tenants), their areas, topics and services, processes with
phases and components, and the decision trail that any contribution of any module can carry."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.db import models as gis_models
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parlons.common.models import PublicIdModel, TimeStampedModel
from parlons.common.tenancy import TenantModel

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"


def tile_host_allowed(host: str) -> bool:
    """Whether map tiles may be loaded from ``host``: the CSP's img-src lists only PARLONS_TILE_HOSTS."""
    host = host.lower()
    for allowed in settings.PARLONS_TILE_HOSTS:
        allowed = allowed.lower()
        if allowed.startswith("*."):
            if host.endswith(allowed[1:]) and host != allowed[2:]:
                return True
        elif host == allowed:
            return True
    return False


def validate_tile_url(url: str) -> None:
    """A tile address is https, has {z}, {x} and {y}, and comes from a host the CSP lets the browser load."""
    from urllib.parse import urlsplit

    if not url.startswith("https://") or not all(p in url for p in ("{z}", "{x}", "{y}")):
        raise ValidationError(_("Give an https address containing {z}, {x} and {y}."), code="tile_url")
    host = urlsplit(url).hostname or ""
    if not tile_host_allowed(host):
        raise ValidationError(
            _("Tiles from %(host)s are blocked by the site's security policy; allowed hosts: %(allowed)s."),
            code="tile_host",
            params={"host": host, "allowed": ", ".join(settings.PARLONS_TILE_HOSTS)},
        )


class Organisation(TimeStampedModel):
    """A town hall (tenant). Several can share one install, each on its own host name."""

    slug = models.SlugField(_("identifier"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    host = models.CharField(
        _("host name"),
        max_length=253,
        unique=True,
        null=True,
        blank=True,
        help_text=_("e.g. participer.ville.fr; empty in embedded mode"),
    )
    is_default = models.BooleanField(_("default organisation"), default=False)
    logo = models.ImageField(_("logo"), upload_to="organisations/logos/", blank=True)
    logo_alt = models.CharField(_("logo description"), max_length=200, blank=True)
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#1d4e89", validators=[hex_colour]
    )
    accent_colour = models.CharField(
        _("accent colour"), max_length=7, default="#b34700", validators=[hex_colour]
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    default_language = models.CharField(_("default language"), max_length=8, default="fr")
    description = models.TextField(_("description"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    centre = gis_models.PointField(_("centre"), srid=4326, null=True, blank=True)
    tile_url = models.CharField(
        _("map tiles address"),
        max_length=300,
        default=OSM_TILES,
        validators=[validate_tile_url],
        help_text=_("With {z}, {x} and {y}; e.g. the IGN Géoplateforme plan or OpenStreetMap."),
    )
    tile_attribution = models.CharField(_("map attribution"), max_length=200, default=OSM_ATTRIBUTION)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_organisation"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def language_codes(self) -> list[str]:
        return self.languages or [code for code, _name in settings.LANGUAGES]


class Area(TenantModel):
    """A district or neighbourhood of the organisation, with its polygon."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="areas")
    slug = models.SlugField(max_length=80)
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=40, blank=True)
    geometry = gis_models.MultiPolygonField(_("boundary"), srid=4326, null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [models.UniqueConstraint(fields=["organisation", "slug"], name="area_slug_per_org")]

    def __str__(self) -> str:
        return self.name


class Topic(TenantModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="topics")
    slug = models.SlugField(max_length=80)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [models.UniqueConstraint(fields=["organisation", "slug"], name="topic_slug_per_org")]

    def __str__(self) -> str:
        return self.name


class Service(TenantModel):
    """A department of the town hall (voirie, propreté, ...) whose agents handle contributions."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="services")
    slug = models.SlugField(max_length=80)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [models.UniqueConstraint(fields=["organisation", "slug"], name="service_slug_per_org")]

    def __str__(self) -> str:
        return self.name


class Process(TenantModel, TimeStampedModel):
    """A participatory space (consultation, budget, ...) with ordered phases and components."""

    class Visibility(models.TextChoices):
        DRAFT = "draft", _("Draft (staff only)")
        PILOT = "pilot", _("Pilot (one service or listed people)")
        PUBLIC = "public", _("Published")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="processes")
    slug = models.SlugField(_("identifier"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    subtitle = models.CharField(_("subtitle"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    image = models.ImageField(_("image"), upload_to="processes/", blank=True)
    image_alt = models.CharField(_("image description"), max_length=200, blank=True)
    area = models.ForeignKey(
        Area,
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="processes",
    )
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True, related_name="processes")
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility, default=Visibility.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    pilot_service = models.ForeignKey(
        Service,
        verbose_name=_("pilot service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pilot_processes",
    )
    pilot_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pilot participants"),
        blank=True,
        related_name="pilot_processes",
    )
    weight = models.IntegerField(_("order"), default=0)

    class Meta:
        ordering = ["weight", "-start_date", "title"]
        verbose_name = _("process")
        verbose_name_plural = _("processes")
        constraints = [models.UniqueConstraint(fields=["organisation", "slug"], name="process_slug_per_org")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:process_detail", kwargs={"slug": self.slug})

    def current_phase(self) -> Phase | None:
        """The phase marked current, else the one whose dates contain today (prefetch-friendly)."""
        phases = list(self.phases.all())
        for phase in phases:
            if phase.is_current:
                return phase
        today = timezone.localdate()
        for phase in phases:
            if phase.start_date and phase.end_date and phase.start_date <= today <= phase.end_date:
                return phase
        return None


class Phase(TenantModel):
    tenant_path = "process__organisation"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    is_current = models.BooleanField(_("current phase"), default=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")

    def __str__(self) -> str:
        return self.title


class Component(TenantModel, TimeStampedModel):
    """One participation module placed in a process. The core stores only the module key."""

    tenant_path = "process__organisation"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="components")
    module_key = models.CharField(_("module"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    # {action: {"phases": [phase ids] (empty = every phase), "level": int, "enabled": bool}}
    permissions = models.JSONField(_("permissions"), default=dict, blank=True)
    weight = models.IntegerField(_("order"), default=0)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["weight", "id"]
        verbose_name = _("component")
        verbose_name_plural = _("components")

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:component_detail", kwargs={"slug": self.process.slug, "component_id": self.pk})


class DecisionEvent(TenantModel):
    """One step of a contribution's decision trail: a status change or an official answer."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        ANSWER = "answer", _("Official answer")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="decision_events")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    from_status = models.CharField(_("previous status"), max_length=60, blank=True)
    to_status = models.CharField(_("new status"), max_length=60, blank=True)
    body = models.TextField(_("explanation"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_role = models.CharField(_("on behalf of"), max_length=200, blank=True)
    is_public = models.BooleanField(_("public"), default=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]
        verbose_name = _("decision trail event")
        verbose_name_plural = _("decision trail events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.from_status}→{self.to_status}"


class DecisionDocument(TenantModel):
    tenant_path = "event__organisation"

    event = models.ForeignKey(DecisionEvent, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="decisions/%Y/", blank=True)
    url = models.URLField(_("link"), blank=True)

    class Meta:
        verbose_name = _("decision document")
        verbose_name_plural = _("decision documents")

    def __str__(self) -> str:
        return self.title


class PublicIdTenantModel(TenantModel, PublicIdModel, TimeStampedModel):
    """Convenience base for module contributions: tenant-scoped, public id, timestamps."""

    class Meta:
        abstract = True
