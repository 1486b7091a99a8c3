"""Processes (participatory spaces), their phases and components; administrators create and publish them."""

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from parlons.api import auth
from parlons.api.access import (
    area_id_for,
    caller,
    organisation_of,
    require_admin,
    service_id_for,
    topic_ids_for,
)
from parlons.api.errors import ErrorOut, ValidationErrorOut
from parlons.api.pagination import PageNumberPagination
from parlons.api.schemas import (
    ComponentCreateIn,
    ComponentOut,
    PhaseCreateIn,
    PhaseOut,
    ProcessCreateIn,
    ProcessDetailOut,
    ProcessOut,
    ProcessUpdateIn,
    VisibilityIn,
)
from parlons.core import permissions, selectors, services
from parlons.core.models import Component, Phase, Process

router = Router(tags=["processes"])

#: Documented answers of the write endpoints (the body is always our error format).
WRITE_ERRORS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ValidationErrorOut,
}


class ProcessFilters(Schema):
    area: str | None = Field(None, description="Slug of a district.")
    topic: str | None = Field(None, description="Slug of a topic.")
    phase: Literal["current", "all"] = Field(
        "all", description="`current`: only processes with a phase open today."
    )


def _process(request: HttpRequest, slug: str) -> Process:
    return selectors.access_process(organisation=organisation_of(request), user=caller(request), slug=slug)


@router.get("/processes", response=list[ProcessOut], summary="Processes the caller may see")
@paginate(PageNumberPagination)
def process_list(request: HttpRequest, filters: Query[ProcessFilters]) -> QuerySet[Process]:
    return selectors.process_search(
        organisation=organisation_of(request),
        user=caller(request),
        area_slug=filters.area,
        topic_slug=filters.topic,
        current_only=filters.phase == "current",
    )


@router.get("/processes/{slug}", response={200: ProcessDetailOut, 404: ErrorOut}, summary="One process")
def process_detail(request: HttpRequest, slug: str) -> Process:
    return _process(request, slug)


@router.get("/processes/{slug}/phases", response=list[PhaseOut], summary="Phases of a process, in order")
@paginate(PageNumberPagination)
def phase_list(request: HttpRequest, slug: str) -> QuerySet[Phase]:
    return selectors.phase_list(process=_process(request, slug))


@router.get(
    "/processes/{slug}/components",
    response=list[ComponentOut],
    summary="Components of a process (published ones, unless the caller is staff)",
)
@paginate(PageNumberPagination)
def component_list(request: HttpRequest, slug: str) -> list[Component]:
    process = _process(request, slug)
    staff = permissions.is_staff(caller(request), process.organisation)
    return _ComponentsOf(process, selectors.component_list(process=process, include_unpublished=staff))  # type: ignore[return-value]


class _ComponentsOf:
    """A component queryset whose page items point at the already-loaded process (no query per item)."""

    def __init__(self, process: Process, queryset: QuerySet[Component]) -> None:
        self.process = process
        self.queryset = queryset

    def all(self) -> QuerySet[Component]:
        return self.queryset.all()

    def __getitem__(self, index: slice) -> list[Component]:
        components = list(self.queryset[index])
        for component in components:
            component.process = self.process
        return components


# --- Writes (administrators) -------------------------------------------------------------------------


@router.post(
    "/processes",
    response={201: ProcessDetailOut, **WRITE_ERRORS},
    auth=auth.AUTHENTICATED,
    summary="Create a draft process",
)
def process_create(request: HttpRequest, payload: ProcessCreateIn) -> Status[Process]:
    require_admin(request)
    organisation = organisation_of(request)
    process = services.process_create(
        organisation=organisation,
        by=caller(request),
        title=payload.title,
        slug=payload.slug,
        subtitle=payload.subtitle,
        description=payload.description,
        start_date=payload.start_date,
        end_date=payload.end_date,
        area_id=area_id_for(organisation, payload.area),
        topic_ids=topic_ids_for(organisation, payload.topics),
    )
    return Status(201, process)


@router.patch(
    "/processes/{slug}",
    response={200: ProcessDetailOut, **WRITE_ERRORS},
    auth=auth.AUTHENTICATED,
    summary="Change a process (only the fields sent)",
)
def process_update(request: HttpRequest, slug: str, payload: ProcessUpdateIn) -> Process:
    require_admin(request)
    organisation = organisation_of(request)
    process = _process(request, slug)
    sent = payload.model_dump(exclude_unset=True)
    # process_update sets the district every time: keep the current one unless the caller sent one.
    area_id = area_id_for(organisation, sent.pop("area")) if "area" in sent else process.area_id
    topics = sent.pop("topics", None)
    topic_ids = topic_ids_for(organisation, topics) if topics is not None else None
    for required in ("title", "weight"):
        if required in sent and sent[required] is None:
            sent.pop(required)
    for text in ("subtitle", "description"):
        if text in sent and sent[text] is None:
            sent[text] = ""
    return services.process_update(
        process=process, by=caller(request), area_id=area_id, topic_ids=topic_ids, **sent
    )


@router.post(
    "/processes/{slug}/publish",
    response={200: ProcessDetailOut, **WRITE_ERRORS},
    auth=auth.AUTHENTICATED,
    summary="Set the visibility of a process: public (default), pilot or back to draft",
)
def process_publish(request: HttpRequest, slug: str, payload: VisibilityIn | None = None) -> Process:
    require_admin(request)
    payload = payload or VisibilityIn.model_validate({})
    process = _process(request, slug)
    return services.process_set_visibility(
        process=process,
        by=caller(request),
        visibility=payload.visibility,
        pilot_service_id=service_id_for(process.organisation, payload.pilot_service),
        pilot_user_emails=payload.pilot_user_emails,
    )


@router.post(
    "/processes/{slug}/phases",
    response={201: PhaseOut, **WRITE_ERRORS},
    auth=auth.AUTHENTICATED,
    summary="Add a phase at the end of a process",
)
def phase_create(request: HttpRequest, slug: str, payload: PhaseCreateIn) -> Status[Phase]:
    require_admin(request)
    phase = services.phase_create(
        process=_process(request, slug),
        by=caller(request),
        title=payload.title,
        description=payload.description,
        start_date=payload.start_date,
        end_date=payload.end_date,
        is_current=payload.is_current,
    )
    return Status(201, phase)


@router.post(
    "/processes/{slug}/components",
    response={201: ComponentOut, **WRITE_ERRORS},
    auth=auth.AUTHENTICATED,
    summary="Add a module to a process (unpublished)",
)
def component_create(request: HttpRequest, slug: str, payload: ComponentCreateIn) -> Status[Component]:
    require_admin(request)
    process = _process(request, slug)
    component = services.component_add(
        process=process,
        by=caller(request),
        module_key=payload.module_key,
        name=payload.name,
        settings=payload.settings,
        permissions=payload.permissions,
    )
    component.process = process
    return Status(201, component)
