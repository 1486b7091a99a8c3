"""Writes of core data. Each function is one atomic change of state, called by views, API, admin and tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from parlons.accounts.models import Membership, Role
from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.core import hooks, permissions, registry
from parlons.core.models import (
    Area,
    Component,
    DecisionDocument,
    DecisionEvent,
    Organisation,
    Phase,
    Process,
    Service,
    Topic,
)


def _require_admin(user: Any, organisation: Organisation) -> None:
    if user is not None and not permissions.is_admin(user, organisation):
        raise PermissionDenied(_("Only the organisation's administrators can do this."))


@transaction.atomic
def organisation_create(
    *,
    slug: str,
    name: str,
    host: str | None = None,
    is_default: bool = False,
    languages: Iterable[str] = ("fr", "en"),
    primary_colour: str = "#1d4e89",
    accent_colour: str = "#b34700",
    admin_email: str | None = None,
) -> Organisation:
    """Create an organisation (tenant). Raises Conflict when the slug or host is taken.

    With ``admin_email``, that account (created if needed) becomes the organisation's first administrator.
    """
    slug = slugify(slug)
    if not slug:
        raise ValidationFailed(_("The identifier must contain letters or digits."), field="slug")
    host = (host or "").strip().lower() or None
    if Organisation.objects.filter(slug=slug).exists():
        raise Conflict(
            _("An organisation with the identifier “%(slug)s” already exists.") % {"slug": slug}, field="slug"
        )
    if host and Organisation.objects.filter(host=host).exists():
        raise Conflict(
            _("The host name “%(host)s” already belongs to an organisation.") % {"host": host}, field="host"
        )
    if is_default:
        Organisation.objects.filter(is_default=True).update(is_default=False)
    org = Organisation(
        slug=slug,
        name=name,
        host=host,
        is_default=is_default,
        languages=list(languages),
        primary_colour=primary_colour,
        accent_colour=accent_colour,
    )
    org.full_clean()
    org.save()
    if admin_email:
        from parlons.accounts.services import user_get_or_create

        user = user_get_or_create(email=admin_email)
        Membership.objects.create(organisation=org, user=user, role=Role.ADMIN)
    return org


@transaction.atomic
def process_create(
    *,
    organisation: Organisation,
    by: Any,
    title: str,
    slug: str = "",
    description: str = "",
    subtitle: str = "",
    start_date: date | None = None,
    end_date: date | None = None,
    area_id: int | None = None,
    topic_ids: Iterable[int] = (),
    image: UploadedFile | None = None,
    image_alt: str = "",
) -> Process:
    """Create a draft process. Only administrators (``by``) may; ``by=None`` is the system (commands, demo)."""
    _require_admin(by, organisation)
    if start_date and end_date and end_date < start_date:
        raise ValidationFailed(_("The end date must be after the start date."), field="end_date")
    slug = slugify(slug or title)[:100] or "process"
    base, n = slug, 2
    while Process.objects.filter(organisation=organisation, slug=slug).exists():
        slug, n = f"{base[:95]}-{n}", n + 1
    process = Process.objects.create(
        organisation=organisation,
        title=title,
        slug=slug,
        description=description,
        subtitle=subtitle,
        start_date=start_date,
        end_date=end_date,
        area=organisation.areas.filter(pk=area_id).first() if area_id else None,
        image=image or "",
        image_alt=image_alt,
    )
    process.topics.set(organisation.topics.filter(pk__in=list(topic_ids)))
    return process


_PROCESS_FIELDS = {
    "title",
    "subtitle",
    "description",
    "start_date",
    "end_date",
    "image",
    "image_alt",
    "weight",
}


@transaction.atomic
def process_update(
    *,
    process: Process,
    by: Any,
    area_id: int | None = None,
    topic_ids: Iterable[int] | None = None,
    **fields: Any,
) -> Process:
    _require_admin(by, process.organisation)
    unknown = set(fields) - _PROCESS_FIELDS
    if unknown:
        raise ValidationFailed(f"unknown fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(process, name, value)
    if process.start_date and process.end_date and process.end_date < process.start_date:
        raise ValidationFailed(_("The end date must be after the start date."), field="end_date")
    process.area = process.organisation.areas.filter(pk=area_id).first() if area_id else None
    process.save()
    if topic_ids is not None:
        process.topics.set(process.organisation.topics.filter(pk__in=list(topic_ids)))
    return process


@transaction.atomic
def process_set_visibility(
    *,
    process: Process,
    by: Any,
    visibility: str,
    pilot_service_id: int | None = None,
    pilot_user_emails: Iterable[str] = (),
) -> Process:
    """Draft, pilot (soft launch to one service or listed people) or public."""
    _require_admin(by, process.organisation)
    if visibility not in Process.Visibility.values:
        raise ValidationFailed(_("Unknown visibility."), field="visibility")
    process.visibility = visibility
    if visibility == Process.Visibility.PILOT:
        process.pilot_service = (
            process.organisation.services.filter(pk=pilot_service_id).first() if pilot_service_id else None
        )
        from parlons.accounts.models import User

        emails = [e.strip().lower() for e in pilot_user_emails if e.strip()]
        users = list(User.objects.filter(email__in=emails))
        missing = sorted(set(emails) - {u.email.lower() for u in users})
        if missing:
            raise ValidationFailed(
                _("No account with these e-mails: %(emails)s") % {"emails": ", ".join(missing)},
                field="pilot_users",
            )
        if process.pilot_service is None and not users:
            raise ValidationFailed(
                _("A pilot needs a service or at least one participant."), field="pilot_service"
            )
        process.pilot_users.set(users)
    if visibility == Process.Visibility.PUBLIC and process.published_at is None:
        process.published_at = timezone.now()
    process.save()
    return process


@transaction.atomic
def phase_create(
    *,
    process: Process,
    by: Any,
    title: str,
    description: str = "",
    start_date: date | None = None,
    end_date: date | None = None,
    is_current: bool = False,
) -> Phase:
    _require_admin(by, process.organisation)
    if start_date and end_date and end_date < start_date:
        raise ValidationFailed(_("The end date must be after the start date."), field="end_date")
    position = (process.phases.aggregate(m=Max("position"))["m"] or 0) + 1
    phase = Phase.objects.create(
        process=process,
        title=title,
        description=description,
        start_date=start_date,
        end_date=end_date,
        position=position,
    )
    if is_current:
        phase_set_current(phase=phase, by=by)
    return phase


@transaction.atomic
def phase_set_current(*, phase: Phase, by: Any) -> Phase:
    _require_admin(by, phase.process.organisation)
    Phase.objects.filter(process=phase.process).exclude(pk=phase.pk).update(is_current=False)
    phase.is_current = True
    phase.save(update_fields=["is_current"])
    return phase


@transaction.atomic
def phase_move(*, phase: Phase, by: Any, direction: int) -> None:
    """Swap the phase with its neighbour (direction -1 = up, +1 = down)."""
    _require_admin(by, phase.process.organisation)
    phases = list(phase.process.phases.order_by("position", "id"))
    i = phases.index(phase)
    j = i + direction
    if 0 <= j < len(phases):
        phases[i], phases[j] = phases[j], phases[i]
    for position, p in enumerate(phases, start=1):
        if p.position != position:
            Phase.objects.filter(pk=p.pk).update(position=position)


def _validated_settings(module_key: str, data: dict[str, Any] | None) -> dict[str, Any]:
    manifest = registry.get(module_key)
    if manifest is None:
        raise ValidationFailed(_("Unknown module “%(key)s”.") % {"key": module_key}, field="module_key")
    merged = {**manifest.default_settings, **(data or {})}
    if manifest.settings_form is None:
        return merged
    form = manifest.settings_form(data=merged)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items())
        raise ValidationFailed(_("Invalid settings: %(errors)s") % {"errors": errors}, field="settings")
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in form.cleaned_data.items()}


def _validated_permissions(process: Process, module_key: str, data: dict[str, Any] | None) -> dict[str, Any]:
    manifest = registry.get(module_key)
    assert manifest is not None
    phase_ids = set(process.phases.values_list("pk", flat=True))
    clean: dict[str, Any] = {}
    for action, rule in (data or {}).items():
        if manifest.action(action) is None:
            raise ValidationFailed(
                _("Unknown action “%(action)s”.") % {"action": action}, field="permissions"
            )
        phases = [int(p) for p in rule.get("phases", [])]
        if not set(phases) <= phase_ids:
            raise ValidationFailed(_("A phase does not belong to this process."), field="permissions")
        level = int(rule.get("level", manifest.action(action).default_level))  # type: ignore[union-attr]
        if level not in (0, 1, 2, 3):
            raise ValidationFailed(_("Unknown verification level."), field="permissions")
        clean[action] = {"enabled": bool(rule.get("enabled", True)), "phases": phases, "level": level}
    return clean


@transaction.atomic
def component_add(
    *,
    process: Process,
    by: Any,
    module_key: str,
    name: str = "",
    settings: dict[str, Any] | None = None,
    permissions: dict[str, Any] | None = None,
) -> Component:
    """Add a module to a process, unpublished, with validated settings and action permissions."""
    _require_admin(by, process.organisation)
    clean_settings = _validated_settings(module_key, settings)
    manifest = registry.get(module_key)
    assert manifest is not None
    weight = (process.components.aggregate(m=Max("weight"))["m"] or 0) + 1
    return Component.objects.create(
        process=process,
        module_key=module_key,
        name=name or str(manifest.name),
        settings=clean_settings,
        permissions=_validated_permissions(process, module_key, permissions),
        weight=weight,
    )


@transaction.atomic
def component_configure(
    *,
    component: Component,
    by: Any,
    name: str | None = None,
    settings: dict[str, Any] | None = None,
    permissions: dict[str, Any] | None = None,
) -> Component:
    _require_admin(by, component.process.organisation)
    if name is not None:
        component.name = name
    if settings is not None:
        component.settings = _validated_settings(component.module_key, settings)
    if permissions is not None:
        component.permissions = _validated_permissions(component.process, component.module_key, permissions)
    component.save()
    return component


@transaction.atomic
def component_publish(*, component: Component, by: Any, published: bool = True) -> Component:
    _require_admin(by, component.process.organisation)
    component.published_at = timezone.now() if published else None
    component.save(update_fields=["published_at"])
    return component


@transaction.atomic
def component_move(*, component: Component, by: Any, direction: int) -> None:
    _require_admin(by, component.process.organisation)
    items = list(component.process.components.order_by("weight", "id"))
    i = items.index(component)
    j = i + direction
    if 0 <= j < len(items):
        items[i], items[j] = items[j], items[i]
    for weight, c in enumerate(items, start=1):
        if c.weight != weight:
            Component.objects.filter(pk=c.pk).update(weight=weight)


@transaction.atomic
def component_delete(*, component: Component, by: Any) -> None:
    _require_admin(by, component.process.organisation)
    manifest = registry.get(component.module_key)
    if manifest and manifest.delete_guard:
        reason = manifest.delete_guard(component)
        if reason:
            raise Conflict(reason)
    component.delete()


@transaction.atomic
def decision_record(
    *,
    organisation: Organisation,
    subject: Any,
    by: Any,
    kind: str,
    to_status: str = "",
    from_status: str = "",
    body: str = "",
    author_role: str = "",
    is_public: bool = True,
    documents: Iterable[dict[str, Any]] = (),
) -> DecisionEvent:
    """Append one event to a contribution's decision trail (status change or official answer).

    Modules call this from their own services (``report_set_status``, ``proposal_answer``); the trail is
    append-only. Raises PermissionDenied unless ``by`` is staff of the organisation (``None`` = system).
    Side effect: every ``hooks.decision_recorded_listeners`` runs in the same transaction (the ledger
    appends a tamper-evident entry there).
    """
    if by is not None and not permissions.is_staff(by, organisation):
        raise PermissionDenied(_("Only the organisation's staff can record decisions."))
    if kind not in DecisionEvent.Kind.values:
        raise ValidationFailed(_("Unknown kind of decision."), field="kind")
    if kind == DecisionEvent.Kind.ANSWER and not body.strip():
        raise ValidationFailed(_("An official answer needs a text."), field="body")
    if kind == DecisionEvent.Kind.STATUS and not to_status:
        raise ValidationFailed(_("A status change needs the new status."), field="to_status")
    event = DecisionEvent.objects.create(
        organisation=organisation,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=str(subject.pk),
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        body=body.strip(),
        author=by,
        author_role=author_role,
        is_public=is_public,
    )
    for doc in documents:
        if not doc.get("title"):
            raise ValidationFailed(_("Each document needs a title."), field="documents")
        DecisionDocument.objects.create(
            event=event, title=doc["title"], file=doc.get("file") or "", url=doc.get("url", "")
        )
    for listener in hooks.decision_recorded_listeners:
        listener(event)
    return event


# --- Phases (edit and delete) ------------------------------------------------------------------------


@transaction.atomic
def phase_update(
    *,
    phase: Phase,
    by: Any,
    title: str,
    description: str = "",
    start_date: date | None = None,
    end_date: date | None = None,
) -> Phase:
    """Change a phase's title, text and dates. Raises ValidationFailed when the end is before the start."""
    _require_admin(by, phase.process.organisation)
    if not title.strip():
        raise ValidationFailed(_("A phase needs a title."), field="title")
    if start_date and end_date and end_date < start_date:
        raise ValidationFailed(_("The end date must be after the start date."), field="end_date")
    phase.title, phase.description = title.strip(), description
    phase.start_date, phase.end_date = start_date, end_date
    phase.save()
    return phase


@transaction.atomic
def phase_delete(*, phase: Phase, by: Any) -> None:
    """Delete a phase and renumber the others.

    Component permissions naming the phase lose it; an action that was open only in that phase is
    disabled rather than left with no phase, which would mean "open in every phase".
    """
    _require_admin(by, phase.process.organisation)
    process = phase.process
    for component in Component.objects.filter(process=process):
        changed = False
        for rule in component.permissions.values():
            phases = rule.get("phases") or []
            if phase.pk in phases:
                rule["phases"] = [p for p in phases if p != phase.pk]
                if not rule["phases"]:
                    rule["enabled"] = False
                changed = True
        if changed:
            component.save(update_fields=["permissions"])
    phase.delete()
    for position, p in enumerate(process.phases.order_by("position", "id"), start=1):
        if p.position != position:
            Phase.objects.filter(pk=p.pk).update(position=position)


# --- Organisation settings ---------------------------------------------------------------------------


def _relative_luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of a #RRGGBB colour."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(colour_a: str, colour_b: str) -> float:
    """WCAG 2 contrast ratio between two #RRGGBB colours (1 to 21)."""
    la, lb = sorted((_relative_luminance(colour_a), _relative_luminance(colour_b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# WCAG AA for normal text: the primary colour is used for buttons and links on white.
MIN_PRIMARY_CONTRAST = 4.5


@transaction.atomic
def organisation_update_branding(
    *,
    organisation: Organisation,
    by: Any,
    name: str,
    description: str = "",
    contact_email: str = "",
    primary_colour: str,
    accent_colour: str,
    default_language: str,
    languages: Iterable[str],
    logo: UploadedFile | None = None,
    logo_alt: str = "",
    remove_logo: bool = False,
) -> Organisation:
    """Change the organisation's name, texts, logo, colours and languages (administrators only).

    Raises ValidationFailed (with the field) when the primary colour contrasts less than 4.5:1 with
    white, when a logo has no description, or when the default language is not among the languages.
    """
    _require_admin(by, organisation)
    from django.conf import settings as django_settings
    from django.core.exceptions import ValidationError

    from parlons.core.models import hex_colour

    for field, value in (("primary_colour", primary_colour), ("accent_colour", accent_colour)):
        try:
            hex_colour(value)
        except ValidationError as exc:
            raise ValidationFailed(exc.messages[0], field=field) from exc
    ratio = contrast_ratio(primary_colour, "#ffffff")
    if ratio < MIN_PRIMARY_CONTRAST:
        raise ValidationFailed(
            _(
                "The primary colour is used for buttons and links on white: its contrast with white is "
                "%(ratio).2f:1, it must be at least 4.5:1. Choose a darker colour."
            )
            % {"ratio": ratio},
            field="primary_colour",
        )
    known = {code for code, _name in django_settings.LANGUAGES}
    languages = [code for code in languages if code in known]
    if not languages:
        raise ValidationFailed(_("Choose at least one language."), field="languages")
    if default_language not in languages:
        raise ValidationFailed(
            _("The default language must be one of the languages."), field="default_language"
        )
    if not name.strip():
        raise ValidationFailed(_("The organisation needs a name."), field="name")
    removing = remove_logo and not logo
    # Checked before any assignment so that a refused change leaves the instance as it was.
    if (logo or (organisation.logo and not removing)) and not logo_alt.strip():
        raise ValidationFailed(_("Describe the logo for people who cannot see it."), field="logo_alt")
    if removing:
        organisation.logo = ""  # type: ignore[assignment]
        logo_alt = ""
    elif logo:
        organisation.logo = logo  # type: ignore[assignment]
    organisation.name, organisation.description, organisation.contact_email = (
        name.strip(),
        description,
        contact_email,
    )
    organisation.primary_colour, organisation.accent_colour = primary_colour.lower(), accent_colour.lower()
    organisation.default_language, organisation.languages = default_language, languages
    organisation.logo_alt = logo_alt.strip()
    organisation.save()
    return organisation


# --- Districts, topics, services -------------------------------------------------------------------


def _clean_slug(model: Any, organisation: Organisation, slug: str, name: str, instance: Any = None) -> str:
    slug = slugify(slug or name)[:80]
    if not slug:
        raise ValidationFailed(_("The identifier must contain letters or digits."), field="slug")
    clash = model.objects.filter(organisation=organisation, slug=slug)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise Conflict(_("The identifier “%(slug)s” is already used.") % {"slug": slug}, field="slug")
    return slug


def _clean_geometry(geometry: Any) -> Any:
    """A valid WGS84 MultiPolygon (a Polygon is wrapped), or None."""
    from django.contrib.gis.geos import MultiPolygon, Polygon

    if geometry is None:
        return None
    if isinstance(geometry, Polygon):
        geometry = MultiPolygon(geometry, srid=geometry.srid or 4326)
    if not isinstance(geometry, MultiPolygon):
        raise ValidationFailed(_("The boundary must be a Polygon or a MultiPolygon."), field="geometry")
    if geometry.srid not in (None, 4326):
        raise ValidationFailed(
            _("The boundary must use WGS84 longitude/latitude (EPSG:4326)."), field="geometry"
        )
    geometry.srid = 4326
    if not geometry.valid:
        raise ValidationFailed(
            _("The boundary is not a valid polygon: %(reason)s") % {"reason": geometry.valid_reason},
            field="geometry",
        )
    return geometry


@transaction.atomic
def area_create(
    *, organisation: Organisation, by: Any, name: str, slug: str = "", code: str = "", geometry: Any = None
) -> Area:
    """Add a district. ``geometry`` is a GEOS Polygon/MultiPolygon in WGS84 or None. Administrators only."""
    _require_admin(by, organisation)
    return Area.objects.create(
        organisation=organisation,
        name=name.strip(),
        slug=_clean_slug(Area, organisation, slug, name),
        code=code,
        geometry=_clean_geometry(geometry),
    )


@transaction.atomic
def area_update(
    *,
    area: Area,
    by: Any,
    name: str,
    slug: str = "",
    code: str = "",
    geometry: Any = None,
    keep_geometry: bool = True,
) -> Area:
    """Change a district; with ``geometry=None`` and ``keep_geometry`` the boundary stays as it was."""
    _require_admin(by, area.organisation)
    area.slug = _clean_slug(Area, area.organisation, slug, name, instance=area)
    area.name, area.code = name.strip(), code
    if geometry is not None or not keep_geometry:
        area.geometry = _clean_geometry(geometry)
    area.save()
    return area


@transaction.atomic
def topic_create(
    *, organisation: Organisation, by: Any, name: str, slug: str = "", description: str = ""
) -> Topic:
    _require_admin(by, organisation)
    return Topic.objects.create(
        organisation=organisation,
        name=name.strip(),
        slug=_clean_slug(Topic, organisation, slug, name),
        description=description,
    )


@transaction.atomic
def topic_update(*, topic: Topic, by: Any, name: str, slug: str = "", description: str = "") -> Topic:
    _require_admin(by, topic.organisation)
    topic.slug = _clean_slug(Topic, topic.organisation, slug, name, instance=topic)
    topic.name, topic.description = name.strip(), description
    topic.save()
    return topic


@transaction.atomic
def service_create(
    *, organisation: Organisation, by: Any, name: str, slug: str = "", email: str = "", description: str = ""
) -> Service:
    """Add a department of the town hall; its agents handle contributions routed to it."""
    _require_admin(by, organisation)
    return Service.objects.create(
        organisation=organisation,
        name=name.strip(),
        slug=_clean_slug(Service, organisation, slug, name),
        email=email,
        description=description,
    )


@transaction.atomic
def service_update(
    *, service: Service, by: Any, name: str, slug: str = "", email: str = "", description: str = ""
) -> Service:
    _require_admin(by, service.organisation)
    service.slug = _clean_slug(Service, service.organisation, slug, name, instance=service)
    service.name, service.email, service.description = name.strip(), email, description
    service.save()
    return service


@transaction.atomic
def area_delete(*, area: Area, by: Any) -> None:
    """Delete a district; processes and people that referred to it keep no district."""
    _require_admin(by, area.organisation)
    area.delete()


@transaction.atomic
def topic_delete(*, topic: Topic, by: Any) -> None:
    _require_admin(by, topic.organisation)
    topic.delete()


@transaction.atomic
def service_delete(*, service: Service, by: Any) -> None:
    """Delete a service; its agents stay agents without a service, its pilots lose their pilot service."""
    _require_admin(by, service.organisation)
    service.delete()


# --- Members ----------------------------------------------------------------------------------------


def _ensure_an_admin_remains(membership: Membership) -> None:
    """An organisation must keep an administrator, or nobody could manage it any more."""
    if membership.role != Role.ADMIN:
        return
    others = Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.ADMIN).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise Conflict(
            _("This is the last administrator of the organisation: name another administrator first."),
            field="role",
        )


@transaction.atomic
def membership_set_role(
    *, membership: Membership, by: Any, role: str, service_id: int | None = None
) -> Membership:
    """Change a member's role and service. Raises Conflict when it would demote the last administrator."""
    _require_admin(by, membership.organisation)
    if role not in Role.values:
        raise ValidationFailed(_("Unknown role."), field="role")
    # Lock the organisation's admin rows so two concurrent demotions cannot both pass the check.
    list(
        Membership.objects.select_for_update().filter(
            organisation_id=membership.organisation_id, role=Role.ADMIN
        )
    )
    if role != Role.ADMIN:
        _ensure_an_admin_remains(membership)
    service = None
    if service_id:
        service = Service.objects.filter(organisation_id=membership.organisation_id, pk=service_id).first()
        if service is None:
            raise ValidationFailed(_("Unknown service."), field="service")
    membership.role, membership.service = role, service
    membership.save(update_fields=["role", "service", "updated_at"])
    return membership


@transaction.atomic
def membership_add(
    *,
    organisation: Organisation,
    by: Any,
    email: str,
    role: str = Role.CITIZEN,
    service_id: int | None = None,
) -> Membership:
    """Give a person (found by e-mail, or created without password: they sign in by e-mail code) a role.

    A person who is already a member keeps their membership and gets the new role and service.
    """
    _require_admin(by, organisation)
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from parlons.accounts.services import membership_ensure, user_get_or_create

    email = email.strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from exc
    user = user_get_or_create(email=email)
    membership = membership_ensure(user=user, organisation=organisation)
    return membership_set_role(membership=membership, by=by, role=role, service_id=service_id)


@transaction.atomic
def membership_remove(*, membership: Membership, by: Any) -> None:
    """Remove a person from the organisation (the account stays). Never the last administrator."""
    _require_admin(by, membership.organisation)
    list(
        Membership.objects.select_for_update().filter(
            organisation_id=membership.organisation_id, role=Role.ADMIN
        )
    )
    _ensure_an_admin_remains(membership)
    membership.delete()
