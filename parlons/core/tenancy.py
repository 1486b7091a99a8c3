"""Which organisation a request is for: by host name, or by ``/o/<slug>/`` prefix in embedded mode.

A host that belongs to no organisation gets a 404, never another town's page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.template.loader import render_to_string
from django.urls import set_script_prefix

from parlons.core.models import Organisation

_PREFIX = "/o/"
_CACHE_SECONDS = 60


def _by_host(host: str) -> Organisation | None:
    key = f"org:host:{host}"
    org_id = cache.get(key)
    if org_id is None:
        org_id = Organisation.objects.filter(host=host).values_list("pk", flat=True).first() or 0
        cache.set(key, org_id, _CACHE_SECONDS)
    return Organisation.objects.filter(pk=org_id).first() if org_id else None


def resolve_organisation(request: HttpRequest) -> tuple[Organisation | None, str]:
    """Return (organisation, path prefix) for the request, without side effects."""
    host = request.get_host().split(":")[0].lower()
    path = request.path_info
    if settings.PARLONS_PATH_PREFIX_TENANTS and path.startswith(_PREFIX):
        slug = path[len(_PREFIX) :].split("/", 1)[0]
        org = Organisation.objects.filter(slug=slug).first()
        return org, f"{_PREFIX}{slug}"
    org = _by_host(host)
    if org is None and settings.PARLONS_ANY_HOST_DEFAULT_ORG:
        org = Organisation.objects.filter(is_default=True).first()
    return org, ""


# Paths served whatever the host: the operators' admin, static files, health check.
_TENANTLESS_PREFIXES = ("/admin/", "/static/", "/media/", "/healthz")


class OrganisationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        org, prefix = resolve_organisation(request)
        request.organisation = org  # type: ignore[attr-defined]
        if org is None and not request.path_info.startswith(_TENANTLESS_PREFIXES):
            return HttpResponseNotFound(render_to_string("errors/unknown_organisation.html", request=None))
        if prefix:
            request.path_info = request.path_info[len(prefix) :] or "/"
            script_name = request.META.get("SCRIPT_NAME", "") + prefix
            request.META["SCRIPT_NAME"] = script_name
            set_script_prefix(script_name + "/")
        try:
            return self.get_response(request)
        finally:
            if prefix:
                set_script_prefix(request.META["SCRIPT_NAME"][: -len(prefix)] + "/")
