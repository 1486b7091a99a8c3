from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from parlons.common.errors import NotFound
from parlons.core.models import Component
from parlons.core.routing import component_or_404
from parlons.modules.pages.selectors import access_page, page_list


def _component(request: HttpRequest, process_slug: str, component_id: int) -> Component:
    return component_or_404(request, process_slug=process_slug, component_id=component_id, module_key="pages")


def index(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    pages = list(page_list(component=component))
    return render(
        request, "pages/index.html", {"component": component, "process": component.process, "pages": pages}
    )


def detail(request: HttpRequest, process_slug: str, component_id: int, slug: str) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    try:
        page = access_page(component=component, slug=slug)
    except NotFound as exc:
        raise Http404 from exc
    pages = list(page_list(component=component))
    return render(
        request,
        "pages/detail.html",
        {"component": component, "process": component.process, "page": page, "pages": pages},
    )
