"""The organisation itself, its reference data (districts, topics, services), and the caller."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from parlons.accounts import selectors as account_selectors
from parlons.accounts.verification import Level, level_for
from parlons.api import auth
from parlons.api.access import caller, organisation_of
from parlons.api.errors import ErrorOut
from parlons.api.pagination import PageNumberPagination
from parlons.api.schemas import AreaOut, MeOut, OrganisationOut, ServiceOut, TopicOut, organisation_out
from parlons.core import selectors
from parlons.core.models import Area, Service, Topic

router = Router(tags=["organisation"])


@router.get("/organisation", response=OrganisationOut, summary="The organisation of this host")
def organisation_detail(request: HttpRequest) -> dict[str, Any]:
    organisation = organisation_of(request)
    areas_count = selectors.area_list(organisation=organisation).count()
    return organisation_out(organisation, areas_count=areas_count, context={"request": request})


class AreaFilters(Schema):
    geometry: bool = False


@router.get("/areas", response=list[AreaOut], summary="Districts")
@paginate(PageNumberPagination)
def area_list(request: HttpRequest, filters: Query[AreaFilters]) -> list[Area]:
    areas = selectors.area_list(organisation=organisation_of(request))
    # Read by AreaOut.resolve_geometry: polygons are heavy, so they are sent only on request.
    request.api_area_geometry = filters.geometry  # type: ignore[attr-defined]
    return areas if filters.geometry else areas.defer("geometry")  # type: ignore[return-value]


@router.get("/topics", response=list[TopicOut], summary="Topics")
@paginate(PageNumberPagination)
def topic_list(request: HttpRequest) -> list[Topic]:
    return selectors.topic_list(organisation=organisation_of(request))  # type: ignore[return-value]


@router.get(
    "/services", response=list[ServiceOut], summary="Departments of the town hall (public information)"
)
@paginate(PageNumberPagination)
def service_list(request: HttpRequest) -> list[Service]:
    return selectors.service_list(organisation=organisation_of(request)).only(  # type: ignore[return-value]
        "pk", "slug", "name"
    )


@router.get(
    "/me",
    response={200: MeOut, 401: ErrorOut},
    auth=auth.AUTHENTICATED,
    tags=["me"],
    summary="The signed-in person, as this organisation knows them",
)
def me(request: HttpRequest) -> dict[str, Any]:
    organisation = organisation_of(request)
    user = caller(request)
    membership = account_selectors.membership_get(user=user, organisation=organisation)
    level = Level(level_for(user, organisation))
    return {
        "public_id": user.public_id,
        "email": user.email,
        "display_name": user.display_name,
        "language": user.language,
        "role": membership.role if membership else None,
        "verification": {"level": int(level), "label": str(level.label)},
        "home_area": membership.home_area.slug if membership and membership.home_area else None,
        "interests": [topic.slug for topic in membership.interests.all()] if membership else [],
    }
