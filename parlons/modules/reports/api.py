"""The module's API router, mounted by the core at ``/api/v1/components/{component_id}/reports/``.

The core hands over the checked component as ``request.component``; domain errors raised here are turned
into the API's JSON error format by the API itself.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from parlons.common.errors import ValidationFailed
from parlons.geo.geometry import BBox, InvalidGeometry
from parlons.modules.reports import selectors, services
from parlons.modules.reports.forms import filters_from_query
from parlons.modules.reports.models import Report


class ReportOut(Schema):
    id: str
    category: str
    category_id: int
    status: str
    close_reason: str
    description: str
    address: str
    lon: float
    lat: float
    district: str | None
    service: str | None
    followers: int
    created_at: datetime
    updated_at: datetime
    fixed_at: datetime | None
    duplicate_of: str | None
    author: str
    photos: list[str]
    url: str


class ReportPage(Schema):
    items: list[ReportOut]
    count: int
    page: int
    pages: int


class ReportIn(Schema):
    category_id: int
    description: str = Field(..., max_length=5000)
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    anonymous: bool = False
    contact_email: str = ""
    idempotency_key: str = Field(
        "", max_length=64, description="Any unique string: sending it twice files one report."
    )


class MapQuery(Schema):
    bbox: str = Field(..., description="west,south,east,north in WGS84 degrees")
    zoom: int = Field(14, ge=0, le=22)
    category: list[int] = Field(default_factory=list)
    status: list[str] = Field(default_factory=list)
    area: int | None = None
    date_from: str | None = Field(None, alias="from")
    date_to: str | None = Field(None, alias="to")


def report_out(report: Report) -> dict[str, Any]:
    return {
        "id": report.public_id,
        "category": report.category.name,
        "category_id": report.category_id,
        "status": report.status,
        "close_reason": report.close_reason,
        "description": report.description,
        "address": report.address,
        "lon": report.lon,
        "lat": report.lat,
        "district": report.area.name if report.area_id and report.area else None,
        "service": report.service.name if report.service_id and report.service else None,
        "followers": report.followers_count,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "fixed_at": report.fixed_at,
        "duplicate_of": report.duplicate_of.public_id
        if report.duplicate_of_id and report.duplicate_of
        else None,
        "author": report.public_author,
        "photos": [p.url for p in report.photos.all() if p.kind == "before" and p.is_published],
        "url": report.get_absolute_url(),
    }


def build_router() -> Router:
    router = Router()

    @router.get("/map.geojson", summary="Reports on the map: GeoJSON points or clusters for a box and zoom")
    def map_geojson(request: HttpRequest, params: Query[MapQuery]) -> dict[str, Any]:
        try:
            BBox.parse(params.bbox)
        except InvalidGeometry as exc:
            raise ValidationFailed(str(exc), field="bbox") from exc
        filters = filters_from_query(params.model_dump(by_alias=True))
        return selectors.map_geojson(
            component=request.component,  # type: ignore[attr-defined]
            user=request.user,
            filters=filters,
            zoom=params.zoom,
        )

    @router.get("/", response=ReportPage, summary="Reports, newest first, with the map's filters")
    def report_list(request: HttpRequest, page: int = 1, page_size: int = 20) -> dict[str, Any]:
        if page < 1 or not 1 <= page_size <= 100:
            raise ValidationFailed("page >= 1 and 1 <= page_size <= 100", field="page_size")
        component = request.component  # type: ignore[attr-defined]
        qs = selectors.report_list_page(
            selectors.report_list(
                component=component, user=request.user, filters=filters_from_query(request.GET)
            )
        ).select_related("duplicate_of", "reporter", "component__process")
        count = qs.count()
        items = list(qs[(page - 1) * page_size : page * page_size])
        return {
            "items": [report_out(r) for r in items],
            "count": count,
            "page": page,
            "pages": max(1, math.ceil(count / page_size)),
        }

    @router.get("/{public_id}", response=ReportOut, summary="One report")
    def report_detail(request: HttpRequest, public_id: str) -> dict[str, Any]:
        report = selectors.access_report(component=request.component, user=request.user, public_id=public_id)  # type: ignore[attr-defined]
        return report_out(report)

    @router.post("/", response={201: ReportOut}, summary="File a report (idempotent with idempotency_key)")
    def report_create(request: HttpRequest, payload: ReportIn) -> Status:
        report = services.report_submit(
            component=request.component,  # type: ignore[attr-defined]
            by=request.user,
            category_id=payload.category_id,
            description=payload.description,
            lon=payload.lon,
            lat=payload.lat,
            address=payload.address,
            anonymous=payload.anonymous,
            contact_email=payload.contact_email,
            idempotency_key=payload.idempotency_key,
        )
        return Status(201, report_out(report))

    return router
