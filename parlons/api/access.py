"""The request's organisation and the caller's rights, as every endpoint needs them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from parlons.common.errors import NotFound, PermissionDenied, ValidationFailed
from parlons.core import permissions, selectors
from parlons.core.models import Organisation


def organisation_of(request: HttpRequest) -> Organisation:
    """The organisation the tenancy middleware found for this host (never another one)."""
    organisation = getattr(request, "organisation", None)
    if organisation is None:  # the middleware already answered 404; this is belt and braces
        raise NotFound("organisation")
    return organisation


def caller(request: HttpRequest) -> Any:
    """The authenticated person (token or session) or ``AnonymousUser``."""
    return request.user


def require_admin(request: HttpRequest) -> None:
    """Refuse early, before any lookup, so a non-administrator cannot probe what exists (403, not 404).

    The services check the same rule again; this only makes the answer uniform.
    """
    if not permissions.is_admin(caller(request), organisation_of(request)):
        raise PermissionDenied(_("Only the organisation's administrators can do this."))


def area_id_for(organisation: Organisation, slug: str | None) -> int | None:
    """The id of the organisation's district with this slug (422 when unknown); None for no district."""
    if not slug:
        return None
    area_id = (
        selectors.area_list(organisation=organisation).filter(slug=slug).values_list("pk", flat=True).first()
    )
    if area_id is None:
        raise ValidationFailed(_("Unknown district “%(slug)s”.") % {"slug": slug}, field="area")
    return area_id


def topic_ids_for(organisation: Organisation, slugs: Iterable[str]) -> list[int]:
    """The ids of the organisation's topics with these slugs (422 when one is unknown)."""
    wanted = set(slugs)
    if not wanted:
        return []
    found = dict(
        selectors.topic_list(organisation=organisation).filter(slug__in=wanted).values_list("slug", "pk")
    )
    missing = sorted(wanted - set(found))
    if missing:
        raise ValidationFailed(_("Unknown topics: %(slugs)s") % {"slugs": ", ".join(missing)}, field="topics")
    return list(found.values())


def service_id_for(organisation: Organisation, slug: str | None) -> int | None:
    if not slug:
        return None
    service_id = (
        selectors.service_list(organisation=organisation)
        .filter(slug=slug)
        .values_list("pk", flat=True)
        .first()
    )
    if service_id is None:
        raise ValidationFailed(_("Unknown service “%(slug)s”.") % {"slug": slug}, field="pilot_service")
    return service_id
