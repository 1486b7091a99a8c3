from __future__ import annotations

from django.db.models import QuerySet

from parlons.common.errors import NotFound
from parlons.core.models import Component
from parlons.modules.pages.models import Page


def page_list(*, component: Component) -> QuerySet[Page]:
    return Page.objects.filter(component=component).order_by("position", "id")


def access_page(*, component: Component, slug: str) -> Page:
    page = page_list(component=component).filter(slug=slug).first()
    if page is None:
        raise NotFound("page")
    return page
