"""The GeoReport v2 endpoints at ``/open311/v2/``, in XML and JSON, for the organisation of the host.

Every answer, including errors, is in the format the path asks for (``.xml`` or ``.json``). Errors follow
the specification: an ``errors`` list of ``{code, description}`` with status 400, 403 or 404 (429 when a
client calls too often). ``jurisdiction_id`` is optional; when given it must be the organisation's slug.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from parlons.common.errors import DomainError, NotFound, PermissionDenied
from parlons.core.models import Organisation
from parlons.modules.reports.open311 import documents, formats, selectors, services
from parlons.modules.reports.open311.parsing import Open311Error, parse_new_request, parse_request_query

logger = logging.getLogger("parlons.open311")

View = Callable[..., HttpResponse]


def _respond(fmt: str, root: str, content: Any, status: int = 200) -> HttpResponse:
    body, content_type = formats.render(fmt, root, content)
    return HttpResponse(body, content_type=content_type, status=status)


def _error(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    body, content_type = formats.render_errors(fmt, status, descriptions)
    return HttpResponse(body, content_type=content_type, status=status)


def _rate(name: str, default: str) -> tuple[int, int]:
    """``"600/m"`` → (600, 60 seconds)."""
    raw = str(getattr(settings, name, default))
    count, _slash, period = raw.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(period[:1] or "m", 60)
    return int(count), seconds


def _over_rate(request: HttpRequest, organisation: Organisation, *, write: bool) -> bool:
    """A fixed-window counter per client address (and per api_key for writes), in the cache."""
    limit, seconds = (
        _rate("PARLONS_OPEN311_RATE_WRITE", "60/m") if write else _rate("PARLONS_OPEN311_RATE_READ", "600/m")
    )
    ident = request.META.get("REMOTE_ADDR", "")
    if write:
        ident += ":" + selectors.api_key_digest(str(request.POST.get("api_key", "")))[:16]
    window = int(timezone.now().timestamp()) // seconds
    key = f"open311:{'w' if write else 'r'}:{organisation.pk}:{ident}:{window}"
    if cache.add(key, 1, seconds):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        return False


def open311_endpoint(*methods: str) -> Callable[[View], View]:
    """Method check, rate limit, jurisdiction check and the specification's error format for a view."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, fmt: str, *args: Any, **kwargs: Any) -> HttpResponse:
            organisation: Organisation = request.organisation  # type: ignore[attr-defined]
            if request.method not in methods:
                response = _error(
                    fmt, 405, [_("Method %(method)s is not allowed here.") % {"method": request.method}]
                )
                response["Allow"] = ", ".join(methods)
                return response
            if _over_rate(request, organisation, write=request.method == "POST"):
                return _error(fmt, 429, [_("Too many requests: wait a minute and try again.")])
            params = request.POST if request.method == "POST" else request.GET
            jurisdiction = params.get("jurisdiction_id")
            if jurisdiction and jurisdiction != organisation.slug:
                return _error(
                    fmt,
                    404,
                    [_("jurisdiction_id %(value)s is not served here.") % {"value": jurisdiction[:100]}],
                )
            try:
                return view(request, fmt, organisation, *args, **kwargs)
            except Open311Error as exc:
                return _error(fmt, exc.status, exc.descriptions)
            except PermissionDenied:
                return _error(fmt, 403, [_("A valid api_key is required.")])
            except NotFound as exc:
                return _error(fmt, 404, [_not_found_message(str(exc))])
            except DomainError as exc:
                # Open311 knows 400/403/404: any other rule violation is a bad request, with its message.
                status = 403 if exc.status == 403 else 404 if exc.status == 404 else 400
                return _error(fmt, status, [str(exc.message)])

        return wrapper

    return decorate


def _not_found_message(what: str) -> str:
    return {
        "service_code": _("No service has this service_code."),
        "service_request_id": _("No service request has this service_request_id."),
        "token": _("No service request has this token."),
    }.get(what, _("Not found."))


def _absolute(request: HttpRequest) -> Callable[[str], str]:
    return request.build_absolute_uri


@open311_endpoint("GET")
def discovery(request: HttpRequest, fmt: str, organisation: Organisation) -> HttpResponse:
    document = formats.discovery(
        url=request.build_absolute_uri(reverse("open311:root")),
        changeset=organisation.updated_at,
        contact=organisation.contact_email or organisation.name,
        key_service=_("API keys are issued by the administrators of %(name)s%(contact)s.")
        % {
            "name": organisation.name,
            "contact": f" ({organisation.contact_email})" if organisation.contact_email else "",
        },
        tz=timezone.get_current_timezone(),
    )
    return _respond(fmt, "discovery", document)


@open311_endpoint("GET")
def service_list(request: HttpRequest, fmt: str, organisation: Organisation) -> HttpResponse:
    categories = selectors.open311_service_list(organisation=organisation)
    return _respond(fmt, "services", [documents.service_document(c) for c in categories])


@open311_endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, organisation: Organisation, code: str) -> HttpResponse:
    category = selectors.open311_service_get(organisation=organisation, code=code)
    return _respond(fmt, "service_definition", documents.service_definition_document(category))


def _requests_document(
    request: HttpRequest, organisation: Organisation, reports: list[Any], *, extensions: bool
) -> list[dict[str, Any]]:
    events = selectors.notes_by_report(organisation=organisation, reports=reports)
    absolute = _absolute(request)
    return [
        documents.request_document(r, events.get(r.pk, []), absolute=absolute, extensions=extensions)
        for r in reports
    ]


@csrf_exempt  # API keys, not cookies, authenticate the POST.
@open311_endpoint("GET", "POST")
def request_list(request: HttpRequest, fmt: str, organisation: Organisation) -> HttpResponse:
    if request.method == "POST":
        return _request_create(request, fmt, organisation)
    query = parse_request_query(request.GET, now=timezone.now())
    qs = selectors.open311_request_list(organisation=organisation, query=query)
    offset = (query.page - 1) * query.page_size
    reports = list(qs[offset : offset + query.page_size])
    return _respond(
        fmt,
        "service_requests",
        _requests_document(request, organisation, reports, extensions=query.extensions),
    )


def _request_create(request: HttpRequest, fmt: str, organisation: Organisation) -> HttpResponse:
    key = selectors.access_api_key(organisation=organisation, plaintext=str(request.POST.get("api_key", "")))
    new = parse_new_request(request.POST)
    submission = services.open311_request_submit(
        organisation=organisation, api_key=key, new=new, media=request.FILES.getlist("media")
    )
    answer = {
        "service_request_id": submission.report.public_id,
        "token": submission.token,
        "service_notice": None,
        "account_id": new.account_id or None,
    }
    return _respond(fmt, "service_requests", [answer])


@open311_endpoint("GET")
def request_detail(
    request: HttpRequest, fmt: str, organisation: Organisation, service_request_id: str
) -> HttpResponse:
    report = selectors.open311_request_get(organisation=organisation, service_request_id=service_request_id)
    extensions = str(request.GET.get("extensions", "")).lower() == "true"
    events = selectors.report_notes(organisation=organisation, report=report)
    document = documents.request_document(report, events, absolute=_absolute(request), extensions=extensions)
    return _respond(fmt, "service_requests", [document])


@open311_endpoint("GET")
def token_detail(request: HttpRequest, fmt: str, organisation: Organisation, token: str) -> HttpResponse:
    submission = selectors.open311_request_by_token(organisation=organisation, token=token)
    return _respond(
        fmt,
        "service_requests",
        [{"service_request_id": submission.report.public_id, "token": submission.token}],
    )


def unknown_format(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any other path under /open311/v2/: 404 in the format the path ends with (JSON by default)."""
    fmt = "xml" if path.endswith(".xml") else "json"
    return _error(
        fmt, 404, [_("Unknown endpoint: use discovery, services, requests or tokens, in .xml or .json.")]
    )
