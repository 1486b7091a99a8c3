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
from parlons.core import permissions, registry
from parlons.core.models import (
    Component,
    DecisionDocument,
    DecisionEvent,
    Organisation,
    Phase,
    Process,
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
        raise Conflict(_("An organisation with the identifier “%(slug)s” already exists.") % {"slug": slug}, field="slug")
    if host and Organisation.objects.filter(host=host).exists():
        raise Conflict(_("The host name “%(host)s” already belongs to an organisation.") % {"host": host}, field="host")
    if is_default:
        Organisation.objects.filter(is_default=True).update(is_default=False)
    org = Organisation(
        slug=slug, name=name, host=host, is_default=is_default, languages=list(languages),
        primary_colour=primary_colour, accent_colour=accent_colour,
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
        organisation=organisation, title=title, slug=slug, description=description, subtitle=subtitle,
        start_date=start_date, end_date=end_date,
        area=organisation.areas.filter(pk=area_id).first() if area_id else None,
        image=image or "", image_alt=image_alt,
    )
    process.topics.set(organisation.topics.filter(pk__in=list(topic_ids)))
    return process


_PROCESS_FIELDS = {"title", "subtitle", "description", "start_date", "end_date", "image", "image_alt", "weight"}


@transaction.atomic
def process_update(*, process: Process, by: Any, area_id: int | None = None, topic_ids: Iterable[int] | None = None,
                   **fields: Any) -> Process:
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
    *, process: Process, by: Any, visibility: str, pilot_service_id: int | None = None,
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
                _("No account with these e-mails: %(emails)s") % {"emails": ", ".join(missing)}, field="pilot_users"
            )
        if process.pilot_service is None and not users:
            raise ValidationFailed(_("A pilot needs a service or at least one participant."), field="pilot_service")
        process.pilot_users.set(users)
    if visibility == Process.Visibility.PUBLIC and process.published_at is None:
        process.published_at = timezone.now()
    process.save()
    return process


@transaction.atomic
def phase_create(
    *, process: Process, by: Any, title: str, description: str = "", start_date: date | None = None,
    end_date: date | None = None, is_current: bool = False,
) -> Phase:
    _require_admin(by, process.organisation)
    if start_date and end_date and end_date < start_date:
        raise ValidationFailed(_("The end date must be after the start date."), field="end_date")
    position = (process.phases.aggregate(m=Max("position"))["m"] or 0) + 1
    phase = Phase.objects.create(
        process=process, title=title, description=description, start_date=start_date, end_date=end_date,
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
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        raise ValidationFailed(_("Invalid settings: %(errors)s") % {"errors": errors}, field="settings")
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in form.cleaned_data.items()}


def _validated_permissions(process: Process, module_key: str, data: dict[str, Any] | None) -> dict[str, Any]:
    manifest = registry.get(module_key)
    assert manifest is not None
    phase_ids = set(process.phases.values_list("pk", flat=True))
    clean: dict[str, Any] = {}
    for action, rule in (data or {}).items():
        if manifest.action(action) is None:
            raise ValidationFailed(_("Unknown action “%(action)s”.") % {"action": action}, field="permissions")
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
    *, process: Process, by: Any, module_key: str, name: str = "", settings: dict[str, Any] | None = None,
    permissions: dict[str, Any] | None = None,
) -> Component:
    """Add a module to a process, unpublished, with validated settings and action permissions."""
    _require_admin(by, process.organisation)
    clean_settings = _validated_settings(module_key, settings)
    manifest = registry.get(module_key)
    assert manifest is not None
    weight = (process.components.aggregate(m=Max("weight"))["m"] or 0) + 1
    return Component.objects.create(
        process=process, module_key=module_key, name=name or str(manifest.name), settings=clean_settings,
        permissions=_validated_permissions(process, module_key, permissions), weight=weight,
    )


@transaction.atomic
def component_configure(
    *, component: Component, by: Any, name: str | None = None, settings: dict[str, Any] | None = None,
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
        kind=kind, from_status=from_status, to_status=to_status, body=body.strip(), author=by,
        author_role=author_role, is_public=is_public,
    )
    for doc in documents:
        if not doc.get("title"):
            raise ValidationFailed(_("Each document needs a title."), field="documents")
        DecisionDocument.objects.create(event=event, title=doc["title"], file=doc.get("file") or "", url=doc.get("url", ""))
    return event
