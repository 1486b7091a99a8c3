"""People: platform-wide accounts, and per-organisation memberships carrying role, profile and verification.

Accounts are platform-wide (one login on a shared install), but everything an organisation knows about a
person (role, service, district, interests, census check) lives in the Membership for that organisation.
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.gis.db import models as gis_models
from django.db import models
from django.utils.translation import gettext_lazy as _

from parlons.common.models import PublicIdModel, TimeStampedModel
from parlons.common.tenancy import TenantModel


class ParlonsUserManager(UserManager):
    def _create_user(self, username, email, password, **extra_fields):  # type: ignore[override]
        email = self.normalize_email(email)
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(None, email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(None, email, password, **extra_fields)


class User(AbstractUser, PublicIdModel):
    """A person's account. ``is_staff`` is for platform operators only (the Django admin)."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    # Set when the account signed in with FranceConnect; "sub" is the pseudonymous FranceConnect identifier.
    franceconnect_verified_at = models.DateTimeField(null=True, blank=True)
    # The person key of the FranceConnect-verified name and birth date (``accounts.identity.person_key``), the key
    # an in-person desk computes for the same person; only this keyed hash is stored, never the name or date.
    identity_key = models.CharField(max_length=41, blank=True, default="", db_index=True)
    # Set when the person deleted their account: the row stays so that contributions keep a pseudonym.
    deleted_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    objects = ParlonsUserManager()  # type: ignore[assignment,misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        if self.deleted_at:
            return str(_("Deleted participant"))
        return self.display_name or str(_("Participant %(id)s") % {"id": self.public_id[:6]})


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    AGENT = "agent", _("Agent")
    MODERATOR = "moderator", _("Moderator")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.AGENT, Role.MODERATOR, Role.ADMIN})


class Membership(TenantModel, TimeStampedModel):
    """A person in one organisation: role, service, profile and verification there."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=12, choices=Role, default=Role.CITIZEN)
    service = models.ForeignKey(
        "core.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    home_area = models.ForeignKey(
        "core.Area",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    home_address = models.CharField(_("home address"), max_length=300, blank=True)
    home_point = gis_models.PointField(_("home position"), srid=4326, null=True, blank=True)
    interests = models.ManyToManyField(
        "core.Topic", verbose_name=_("topics of interest"), blank=True, related_name="+"
    )
    notification_preferences = models.JSONField(_("notification preferences"), default=dict, blank=True)
    census_verified_at = models.DateTimeField(_("census check"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="one_membership_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation_id} ({self.role})"

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES


class CensusEntry(TenantModel):
    """One resident of the census, stored only as a keyed hash of the normalised identifiers."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="census_entries"
    )
    digest = models.CharField(max_length=64)
    area = models.ForeignKey("core.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    batch = models.ForeignKey("CensusImport", on_delete=models.CASCADE, related_name="entries")
    claimed_by = models.ForeignKey(
        "Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="census_claims"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "digest"], name="census_digest_per_org")
        ]
        verbose_name = _("census entry")
        verbose_name_plural = _("census entries")

    def __str__(self) -> str:
        return self.digest[:12]


class CensusImport(TenantModel, TimeStampedModel):
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="census_imports"
    )
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(max_length=255)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("census import")
        verbose_name_plural = _("census imports")

    def __str__(self) -> str:
        return self.filename


class ApiToken(TenantModel, TimeStampedModel):
    """A personal API token for one organisation; only its SHA-256 is stored."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
