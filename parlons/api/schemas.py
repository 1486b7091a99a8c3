"""Request and response shapes of the API.

Only public identifiers leave the API: slugs for organisations, areas, topics, services and processes,
ids for phases and components, ``public_id`` for people (never a user's database id).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema

from parlons.core import permissions, registry
from parlons.core.models import Area, Component, Organisation, Phase, Process


def _absolute(context: Any, url: str) -> str:
    request = (context or {}).get("request")
    return request.build_absolute_uri(url) if request is not None else url


# --- Organisation and reference data -----------------------------------------------------------------


class PointOut(Schema):
    lon: float
    lat: float


class OrganisationOut(Schema):
    slug: str
    name: str
    description: str
    languages: list[str]
    default_language: str
    primary_colour: str
    accent_colour: str
    logo: str | None = Field(None, description="Absolute URL of the logo, if any.")
    logo_alt: str
    centre: PointOut | None
    areas_count: int


class AreaOut(Schema):
    slug: str
    name: str
    code: str
    geometry: dict[str, Any] | None = Field(
        None, description="GeoJSON MultiPolygon; only sent with ?geometry=1, otherwise null."
    )

    @staticmethod
    def resolve_geometry(obj: Area, context: Any) -> dict[str, Any] | None:
        request = (context or {}).get("request")
        if not getattr(request, "api_area_geometry", False) or obj.geometry is None:
            return None
        return json.loads(obj.geometry.geojson)


class TopicOut(Schema):
    slug: str
    name: str
    description: str


class ServiceOut(Schema):
    slug: str
    name: str


# --- Processes ---------------------------------------------------------------------------------------


class PhaseOut(Schema):
    id: int
    position: int
    title: str
    description: str
    start_date: date | None
    end_date: date | None
    is_current: bool


class CurrentPhaseOut(Schema):
    id: int
    title: str


class ProcessOut(Schema):
    slug: str
    title: str
    subtitle: str
    description: str
    visibility: str
    start_date: date | None
    end_date: date | None
    published_at: datetime | None
    area: str | None = Field(None, description="Slug of the district, if the process is about one.")
    topics: list[str] = Field(description="Slugs of the topics.")
    current_phase: CurrentPhaseOut | None
    url: str

    @staticmethod
    def resolve_area(obj: Process) -> str | None:
        return obj.area.slug if obj.area_id and obj.area else None

    @staticmethod
    def resolve_topics(obj: Process) -> list[str]:
        return [topic.slug for topic in obj.topics.all()]

    @staticmethod
    def resolve_current_phase(obj: Process) -> dict[str, Any] | None:
        phase = obj.current_phase()
        return {"id": phase.pk, "title": phase.title} if phase else None

    @staticmethod
    def resolve_url(obj: Process, context: Any) -> str:
        return _absolute(context, obj.get_absolute_url())


class ProcessDetailOut(ProcessOut):
    image: str | None
    image_alt: str
    phases: list[PhaseOut]

    @staticmethod
    def resolve_image(obj: Process, context: Any) -> str | None:
        return _absolute(context, obj.image.url) if obj.image else None

    @staticmethod
    def resolve_phases(obj: Process) -> list[Phase]:
        return list(obj.phases.all())


class ProcessCreateIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    slug: str = Field("", max_length=100, description="Derived from the title when empty.")
    subtitle: str = Field("", max_length=300)
    description: str = ""
    start_date: date | None = None
    end_date: date | None = None
    area: str | None = Field(None, description="Slug of a district of the organisation.")
    topics: list[str] = Field(default_factory=list, description="Slugs of topics of the organisation.")


class ProcessUpdateIn(Schema):
    """Only the fields sent are changed."""

    title: str | None = Field(None, min_length=1, max_length=200)
    subtitle: str | None = Field(None, max_length=300)
    description: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    weight: int | None = None
    area: str | None = Field(None, description="Slug of a district; null removes it.")
    topics: list[str] | None = None


class VisibilityIn(Schema):
    visibility: Literal["draft", "pilot", "public"] = "public"
    pilot_service: str | None = Field(None, description="Slug of the service that pilots the process.")
    pilot_user_emails: list[str] = Field(default_factory=list)


class PhaseCreateIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    start_date: date | None = None
    end_date: date | None = None
    is_current: bool = False


# --- Components --------------------------------------------------------------------------------------


class ActionOut(Schema):
    key: str
    label: str
    allowed: bool = Field(description="Whether the current caller may do it now.")
    reason: str = Field(description="Why not, when not allowed.")
    needed_level: int | None = Field(description="Verification level the caller would need, if that is why.")


class ComponentOut(Schema):
    id: int
    process: str = Field(description="Slug of the process.")
    module_key: str
    module_name: str
    name: str
    settings: dict[str, Any]
    permissions: dict[str, Any]
    weight: int
    published: bool
    published_at: datetime | None
    url: str
    actions: list[ActionOut]

    @staticmethod
    def resolve_process(obj: Component) -> str:
        return obj.process.slug

    @staticmethod
    def resolve_module_name(obj: Component) -> str:
        manifest = registry.get(obj.module_key)
        return str(manifest.name) if manifest else obj.module_key

    @staticmethod
    def resolve_published(obj: Component) -> bool:
        return obj.is_published

    @staticmethod
    def resolve_url(obj: Component, context: Any) -> str:
        return _absolute(context, obj.get_absolute_url())

    @staticmethod
    def resolve_actions(obj: Component, context: Any) -> list[dict[str, Any]]:
        manifest = registry.get(obj.module_key)
        if manifest is None:
            return []
        user = context["request"].user
        result = []
        for action in manifest.actions:
            decision = permissions.can_perform(user, obj, action.key)
            result.append(
                {
                    "key": action.key,
                    "label": str(action.label),
                    "allowed": decision.allowed,
                    "reason": str(decision.reason),
                    "needed_level": decision.needed_level,
                }
            )
        return result


class ComponentCreateIn(Schema):
    module_key: str = Field(min_length=1, max_length=60)
    name: str = Field("", max_length=200)
    settings: dict[str, Any] = Field(default_factory=dict)
    permissions: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='Per action: {"enabled": bool, "phases": [phase ids], "level": 0-3}.',
    )


class ComponentUpdateIn(Schema):
    """Only the fields sent are changed."""

    name: str | None = Field(None, min_length=1, max_length=200)
    settings: dict[str, Any] | None = None
    permissions: dict[str, dict[str, Any]] | None = None


class PublishIn(Schema):
    published: bool = True


# --- The caller --------------------------------------------------------------------------------------


class VerificationOut(Schema):
    level: int
    label: str


class MeOut(Schema):
    public_id: str
    email: str
    display_name: str
    language: str
    role: str | None = Field(description="Role in this organisation; null when not a member.")
    verification: VerificationOut
    home_area: str | None = Field(description="Slug of the home district in this organisation.")
    interests: list[str] = Field(description="Slugs of the topics of interest in this organisation.")


def organisation_out(organisation: Organisation, *, areas_count: int, context: Any) -> dict[str, Any]:
    centre = organisation.centre
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "description": organisation.description,
        "languages": organisation.language_codes,
        "default_language": organisation.default_language,
        "primary_colour": organisation.primary_colour,
        "accent_colour": organisation.accent_colour,
        "logo": _absolute(context, organisation.logo.url) if organisation.logo else None,
        "logo_alt": organisation.logo_alt,
        "centre": {"lon": centre.x, "lat": centre.y} if centre is not None else None,
        "areas_count": areas_count,
    }
