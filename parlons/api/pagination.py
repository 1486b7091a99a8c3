"""Page-number pagination used by every list of the API.

Answers ``{"items": [...], "count": N, "page": p, "pages": P, "next": url|null, "previous": url|null}``.
``page_size`` defaults to 20 and may not exceed 100 (a larger value is a 422, not a silent cut).
"""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class PageNumberPagination(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, description="Page number, from 1.")
        page_size: int = Field(
            DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per page (at most 100)."
        )

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        pages: int
        next: str | None
        previous: str | None

    items_attribute = "items"

    def paginate_queryset(
        self, queryset: Any, pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        count = self._items_count(queryset)
        page, page_size = pagination.page, pagination.page_size
        pages = max(1, math.ceil(count / page_size))
        offset = (page - 1) * page_size
        items = list(queryset[offset : offset + page_size]) if offset < count else []
        return {
            "items": items,
            "count": count,
            "page": page,
            "pages": pages,
            "next": _page_url(request, page + 1) if page < pages else None,
            "previous": _page_url(request, min(page - 1, pages)) if page > 1 else None,
        }


def _page_url(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
