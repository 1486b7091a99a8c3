"""Writes of the Open311 adapter: API keys, service requests (through ``report_submit``), imports.

A service request becomes a report through the module's own ``report_submit``, so routing, the district
check, photos, the decision trail and e-mails behave exactly as for a report filed on the web.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.common.errors import NotFound, PermissionDenied, ValidationFailed
from parlons.core import permissions
from parlons.core.models import Component, DecisionEvent, Organisation
from parlons.core.services import decision_record
from parlons.geo.geometry import point
from parlons.modules.reports import cells
from parlons.modules.reports.models import Category, Open311ApiKey, Open311Submission, Report, Status
from parlons.modules.reports.open311 import documents
from parlons.modules.reports.open311.parsing import NewRequest, Open311Error, check_attributes
from parlons.modules.reports.open311.reading import Document, ReadRequest
from parlons.modules.reports.open311.selectors import api_key_digest, open311_service_get, public_components
from parlons.modules.reports.services import report_submit

KEY_PREFIX = "o311_"


# --- API keys ----------------------------------------------------------------------------------------


def _require_admin(by: Any, organisation: Organisation) -> None:
    if by is None or not permissions.is_admin(by, organisation):
        raise PermissionDenied(_("Only the organisation's administrators manage Open311 API keys."))


@transaction.atomic
def open311_api_key_create(
    *, organisation: Organisation, by: Any, name: str, component: Component | None = None
) -> tuple[Open311ApiKey, str]:
    """Create an Open311 API key and return it with its clear value (shown once; only a SHA-256 is stored).

    Preconditions: ``by`` is an administrator of the organisation (``None`` only from the command line, which
    runs as the operator). ``component``, when given, is the reports component the key's requests go to.
    Raises PermissionDenied, ValidationFailed (empty name, component of another organisation or module).
    """
    if by is not None:
        _require_admin(by, organisation)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            _("Give the key a name, such as the application that will use it."), field="name"
        )
    if component is not None and (
        component.process.organisation_id != organisation.pk or component.module_key != "reports"
    ):
        raise ValidationFailed(_("Choose a reports component of this organisation."), field="component")
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = Open311ApiKey.objects.create(
        organisation=organisation,
        component=component,
        name=name[:100],
        prefix=plaintext[:10],
        digest=api_key_digest(plaintext),
        created_by=by,
    )
    return key, plaintext


@transaction.atomic
def open311_api_key_revoke(*, organisation: Organisation, by: Any, key_id: int) -> Open311ApiKey:
    """Revoke a key (idempotent). Raises PermissionDenied for non-administrators, NotFound for another town's key."""
    if by is not None:
        _require_admin(by, organisation)
    key = Open311ApiKey.objects.for_organisation(organisation).filter(pk=key_id).first()
    if key is None:
        raise NotFound(_("This API key does not exist."))
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


# --- Service requests --------------------------------------------------------------------------------


def _component_for(organisation: Organisation, key: Open311ApiKey) -> Component:
    """The key's component, else the organisation's first public reports component."""
    if key.component_id:
        return key.component  # type: ignore[return-value]
    component = (
        public_components(organisation=organisation)
        .select_related("process", "process__organisation")
        .order_by("process__weight", "weight", "pk")
        .first()
    )
    if component is None:
        raise Open311Error(400, [_("This jurisdiction does not take service requests at the moment.")])
    return component


@transaction.atomic
def open311_request_submit(
    *, organisation: Organisation, api_key: Open311ApiKey, new: NewRequest, media: Sequence[UploadedFile] = ()
) -> Open311Submission:
    """File a GeoReport v2 service request as a report, and remember it with a token.

    Preconditions: ``api_key`` is an active key of the organisation and ``new`` passed ``parse_new_request``.
    Calls ``report_submit`` as an anonymous resident with ``email`` as contact, so the component's settings
    apply (anonymous reports allowed, a contact e-mail required). ``media`` files are the report's photos;
    ``media_url`` is kept as given (never fetched: the server does not download what a client points to).
    Raises Open311Error 400 (unknown service_code, attributes, address_id only) and the DomainErrors of
    ``report_submit``; nothing is stored when it raises.
    """
    try:
        category = open311_service_get(organisation=organisation, code=new.service_code)
    except NotFound as exc:
        raise Open311Error(
            400,
            [_("service_code %(code)s is not a service of this jurisdiction.") % {"code": new.service_code}],
        ) from exc
    attributes = check_attributes(documents.service_attributes(category), new.attributes)
    if new.lat is None and not new.address_string:
        raise Open311Error(
            400, [_("address_id alone cannot be located here: send lat and long, or address_string.")]
        )
    component = _component_for(organisation, api_key)
    address = new.address_string
    if attributes.get("landmark") and address:
        address = f"{address} ({attributes['landmark']})"
    token = secrets.token_urlsafe(16)
    name = " ".join(part for part in (new.first_name, new.last_name) if part)
    report = report_submit(
        component=component,
        by=None,
        category_id=category.pk,
        description=new.description,
        lon=new.long,
        lat=new.lat,
        address=address,
        photo_files=list(media),
        anonymous=True,
        contact_email=new.email,
        contact_name=name,
    )
    submission = Open311Submission.objects.create(
        report=report,
        api_key=api_key,
        token=token,
        media_url=new.media_url,
        attributes=attributes,
        device_id=new.device_id[:100],
        account_id=new.account_id[:100],
        address_id=new.address_id[:100],
    )
    Open311ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
    return submission


# --- Import ------------------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    created: int = 0
    skipped: int = 0
    categories_created: int = 0
    problems: list[str] = field(default_factory=list)


def _category_for(organisation: Organisation, code: str, name: str, summary: ImportSummary) -> Category:
    slug = _slug(code)
    category = Category.objects.for_organisation(organisation).filter(slug=slug).first()
    if category is None:
        category = Category.objects.create(organisation=organisation, slug=slug, name=(name or code)[:120])
        summary.categories_created += 1
    return category


def _import_key(item: ReadRequest, source: str) -> str:
    return f"open311:{source}:{item.service_request_id}"[:64]


@transaction.atomic
def open311_import(*, component: Component, document: Document, source: str, by: Any = None) -> ImportSummary:
    """Import another server's GeoReport v2 responses into a reports component.

    Services become categories (matched by slug of ``service_code``); each request becomes a report with its
    position, dates, status (``closed`` → closed) and a trail entry quoting its ``status_notes``. Idempotent:
    a request already imported from the same ``source`` is skipped. Requests without a position are skipped
    and listed in ``problems``. These are historic records, so the district check and e-mails of
    ``report_submit`` do not apply. Preconditions: ``by`` is an administrator (``None`` from the command line).
    """
    organisation = component.process.organisation
    if by is not None:
        _require_admin(by, organisation)
    summary = ImportSummary()
    for service in document.services:
        category = _category_for(organisation, service.service_code, service.service_name, summary)
        if service.description and not category.description:
            category.description = service.description[:300]
            category.keywords = category.keywords or service.keywords
            category.save(update_fields=["description", "keywords"])
    now = timezone.now()
    for item in document.requests:
        key = _import_key(item, source)
        if Report.objects.filter(component=component, idempotency_key=key).exists():
            summary.skipped += 1
            continue
        if item.lat is None or item.long is None:
            summary.skipped += 1
            summary.problems.append(
                _("%(id)s has no position (lat/long): not imported.") % {"id": item.service_request_id}
            )
            continue
        category = _category_for(organisation, item.service_code or "open311", item.service_name, summary)
        requested = item.requested_datetime or now
        closed = item.status == "closed"
        report = Report.objects.create(
            organisation=organisation,
            component=component,
            category=category,
            service=category.service,
            point=point(item.long, item.lat),
            lon=item.long,
            lat=item.lat,
            address=(item.address or "")[:300],
            description=(item.description or item.service_name or item.service_code)[:4000],
            status=Status.CLOSED if closed else Status.RECEIVED,
            idempotency_key=key,
            is_anonymous=True,
            due_at=item.expected_datetime,
            closed_at=(item.updated_datetime or requested) if closed else None,
        )
        cells.report_changed(before=None, after=cells.placement_of(report))
        # created_at/updated_at are automatic: keep the original dates of the request.
        Report.objects.filter(pk=report.pk).update(
            created_at=requested, updated_at=item.updated_datetime or requested
        )
        notes = item.status_notes or _("Imported from %(source)s (request %(id)s).") % {
            "source": source,
            "id": item.service_request_id,
        }
        event = decision_record(
            organisation=organisation,
            subject=report,
            by=None,
            kind=DecisionEvent.Kind.STATUS,
            to_status=report.status,
            body=notes,
            author_role=item.agency_responsible[:200],
        )
        DecisionEvent.objects.filter(pk=event.pk).update(created_at=item.updated_datetime or requested)
        summary.created += 1
    return summary


def _slug(code: str) -> str:
    from django.utils.text import slugify

    return slugify(code)[:80] or "open311"
