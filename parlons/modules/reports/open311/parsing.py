"""Reading and checking Open311 request parameters, with one precise message per problem.

Every check collects its problems instead of stopping at the first, so a client learns everything
wrong with its call at once; ``Open311Error`` carries the HTTP status and the list of descriptions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from parlons.modules.reports.open311.formats import ATTRIBUTE_DATATYPES, InvalidDatetime, parse_w3c_datetime

MAX_RESULTS = 1000
MAX_SPAN = timedelta(days=90)
MAX_DESCRIPTION = 4000
OPEN311_STATUSES = ("open", "closed")

_ATTRIBUTE_KEY = re.compile(r"^attribute\[(?P<code>[^\]]+)\](?:\[\])?$")


class Open311Error(Exception):
    """A request the server refuses: HTTP ``status`` and one description per problem."""

    def __init__(self, status: int, descriptions: Sequence[str]) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = list(descriptions)


class MultiValueParams(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def getlist(self, key: str) -> list[Any]: ...
    def __iter__(self) -> Any: ...


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _boolean(params: Mapping[str, Any], name: str, problems: list[str]) -> bool:
    raw = (params.get(name) or "").strip().lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    problems.append(_("%(name)s must be true or false.") % {"name": name})
    return False


def _datetime(params: Mapping[str, Any], name: str, problems: list[str]) -> datetime | None:
    raw = str(params.get(name) or "")
    if not raw:
        return None
    try:
        return parse_w3c_datetime(raw)
    except InvalidDatetime:
        problems.append(
            _("%(name)s must be a W3C date-time with a time zone, such as 2025-03-01T08:30:00+01:00.")
            % {"name": name}
        )
        return None


def _positive_int(
    params: Mapping[str, Any], name: str, default: int, maximum: int | None, problems: list[str]
) -> int:
    raw = str(params.get(name) or "")
    if not raw:
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if value < 1 or (maximum is not None and value > maximum):
        if maximum is None:
            problems.append(_("%(name)s must be a whole number of at least 1.") % {"name": name})
        else:
            problems.append(
                _("%(name)s must be a whole number between 1 and %(maximum)s.")
                % {"name": name, "maximum": maximum}
            )
        return default
    return value


@dataclass(frozen=True)
class RequestQuery:
    """The filters of ``GET requests``, checked and completed with the specification's defaults."""

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    page: int = 1
    page_size: int = MAX_RESULTS
    extensions: bool = False


def parse_request_query(params: Mapping[str, Any], *, now: datetime) -> RequestQuery:
    """Check the filters of ``GET requests`` (raises Open311Error 400 listing every problem).

    - ``service_request_id`` (comma-separated): when given, every other filter is ignored (the specification).
    - ``start_date``/``end_date``: a range of at most 90 days; with neither (and no ``updated_*``), the last
      90 days; with one, 90 days from or up to it.
    - ``status`` (comma-separated ``open``/``closed``), ``service_code`` (comma-separated).
    - Extensions: ``page``/``page_size`` (at most 1000 per page), ``updated_after``/``updated_before``,
      ``extensions=true``.
    """
    problems: list[str] = []
    extensions = _boolean(params, "extensions", problems)
    page = _positive_int(params, "page", 1, None, problems)
    page_size = _positive_int(params, "page_size", MAX_RESULTS, MAX_RESULTS, problems)
    ids = _list(params.get("service_request_id"))
    if ids:
        if len(ids) > MAX_RESULTS:
            problems.append(
                _("Ask for at most %(maximum)s service_request_id at once.") % {"maximum": MAX_RESULTS}
            )
        if problems:
            raise Open311Error(400, problems)
        return RequestQuery(ids=ids, page=page, page_size=page_size, extensions=extensions)

    statuses = _list(params.get("status"))
    wrong = [s for s in statuses if s not in OPEN311_STATUSES]
    if wrong:
        problems.append(
            _("status must be open or closed (comma-separated), not %(value)s.") % {"value": wrong[0]}
        )
    start = _datetime(params, "start_date", problems)
    end = _datetime(params, "end_date", problems)
    updated_after = _datetime(params, "updated_after", problems)
    updated_before = _datetime(params, "updated_before", problems)
    if problems:
        raise Open311Error(400, problems)

    if start is None and end is None:
        if updated_after is None and updated_before is None:
            start, end = now - MAX_SPAN, now
    elif start is None:
        assert end is not None
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if start is not None and end is not None:
        if start > end:
            problems.append(_("start_date must be before end_date."))
        elif end - start > MAX_SPAN:
            problems.append(_("start_date and end_date may not span more than 90 days."))
    if updated_after is not None and updated_before is not None and updated_after > updated_before:
        problems.append(_("updated_after must be before updated_before."))
    if problems:
        raise Open311Error(400, problems)
    return RequestQuery(
        service_codes=_list(params.get("service_code")),
        statuses=statuses,
        start=start,
        end=end,
        updated_after=updated_after,
        updated_before=updated_before,
        page=page,
        page_size=page_size,
        extensions=extensions,
    )


@dataclass
class NewRequest:
    """The fields of ``POST requests`` after checking (attributes are checked against the service later)."""

    service_code: str
    lat: float | None = None
    long: float | None = None
    address_string: str = ""
    address_id: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    description: str = ""
    media_url: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)


def _coordinate(raw: Any, name: str, bound: float, problems: list[str]) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        problems.append(_("%(name)s must be a decimal number (WGS84).") % {"name": name})
        return None
    if not -bound <= value <= bound:
        problems.append(
            _("%(name)s must be between -%(bound)s and %(bound)s.") % {"name": name, "bound": int(bound)}
        )
        return None
    return value


def parse_new_request(params: MultiValueParams) -> NewRequest:
    """Check the fields of ``POST requests`` (raises Open311Error 400 listing every problem).

    Requires ``service_code`` and a location: ``lat`` and ``long`` together, or ``address_string``, or
    ``address_id``. ``description`` is at most 4000 characters, ``media_url`` an http(s) URL, ``email`` valid.
    ``attribute[code]`` (or ``attribute[code][]`` for lists) are gathered by code.
    """
    problems: list[str] = []

    def text(name: str) -> str:
        return str(params.get(name) or "").strip()

    service_code = text("service_code")
    if not service_code:
        problems.append(_("service_code is required."))
    raw_lat, raw_long = text("lat"), text("long")
    lat = long = None
    if raw_lat or raw_long:
        if not (raw_lat and raw_long):
            problems.append(_("lat and long must be given together."))
        else:
            lat = _coordinate(raw_lat, "lat", 90.0, problems)
            long = _coordinate(raw_long, "long", 180.0, problems)
    address_string, address_id = text("address_string"), text("address_id")
    if not (raw_lat or raw_long or address_string or address_id):
        problems.append(_("A location is required: lat and long, or address_string, or address_id."))
    description = text("description")
    if len(description) > MAX_DESCRIPTION:
        problems.append(_("description is limited to %(maximum)s characters.") % {"maximum": MAX_DESCRIPTION})
    email = text("email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("email is not a valid e-mail address."))
    media_url = text("media_url")
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            problems.append(_("media_url must be an http or https URL."))
    attributes: dict[str, list[str]] = {}
    for key in params:
        match = _ATTRIBUTE_KEY.match(key)
        if match:
            values = [str(v).strip() for v in params.getlist(key) if str(v).strip()]
            attributes.setdefault(match["code"], []).extend(values)
    if problems:
        raise Open311Error(400, problems)
    return NewRequest(
        service_code=service_code,
        lat=lat,
        long=long,
        address_string=address_string,
        address_id=address_id,
        email=email,
        device_id=text("device_id"),
        account_id=text("account_id"),
        first_name=text("first_name"),
        last_name=text("last_name"),
        phone=text("phone"),
        description=description,
        media_url=media_url,
        attributes=attributes,
    )


def check_attributes(
    definitions: Sequence[Mapping[str, Any]], submitted: Mapping[str, list[str]]
) -> dict[str, str | list[str]]:
    """Check submitted ``attribute[...]`` values against a service definition's attributes.

    Returns {code: value} (a list for ``multivaluelist``); raises Open311Error 400 for a missing required
    attribute, an unknown code, a value outside a list, a number or date-time that does not parse.
    """
    problems: list[str] = []
    known = {str(d["code"]): d for d in definitions if d.get("variable", True)}
    for code in submitted:
        if code not in known:
            problems.append(_("attribute[%(code)s] is not an attribute of this service.") % {"code": code})
    checked: dict[str, str | list[str]] = {}
    for code, definition in known.items():
        values = submitted.get(code) or []
        datatype = definition.get("datatype", "string")
        assert datatype in ATTRIBUTE_DATATYPES
        if not values:
            if definition.get("required"):
                problems.append(_("attribute[%(code)s] is required.") % {"code": code})
            continue
        if datatype != "multivaluelist" and len(values) > 1:
            problems.append(_("attribute[%(code)s] takes a single value.") % {"code": code})
            continue
        if datatype in ("singlevaluelist", "multivaluelist"):
            keys = {str(v["key"]) for v in definition.get("values") or []}
            outside = [v for v in values if v not in keys]
            if outside:
                problems.append(
                    _("attribute[%(code)s] must be one of: %(keys)s.")
                    % {"code": code, "keys": ", ".join(sorted(keys))}
                )
                continue
        elif datatype == "number":
            try:
                float(values[0])
            except ValueError:
                problems.append(_("attribute[%(code)s] must be a number.") % {"code": code})
                continue
        elif datatype == "datetime":
            try:
                parse_w3c_datetime(values[0])
            except InvalidDatetime:
                problems.append(
                    _("attribute[%(code)s] must be a W3C date-time with a time zone.") % {"code": code}
                )
                continue
        checked[code] = values if datatype == "multivaluelist" else values[0]
    if problems:
        raise Open311Error(400, problems)
    return checked
