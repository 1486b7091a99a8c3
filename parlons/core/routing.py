"""What every module's pages need from the core: its component from the URL, and URLs inside the component."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse

from parlons.common.errors import NotFound
from parlons.core.models import Component
from parlons.core.selectors import access_component


def component_or_404(
    request: HttpRequest, *, process_slug: str, component_id: int, module_key: str
) -> Component:
    """The component named by a module URL, if the visitor may see it and it belongs to that module; else 404."""
    try:
        component = access_component(
            organisation=request.organisation,  # type: ignore[attr-defined]
            user=request.user,
            process_slug=process_slug,
            component_id=component_id,
        )
    except NotFound as exc:
        raise Http404 from exc
    if component.module_key != module_key:
        raise Http404
    return component


def component_reverse(component: Component, name: str, **kwargs: Any) -> str:
    """The URL of the module page ``name`` inside this component."""
    return reverse(
        f"{component.module_key}:{name}",
        kwargs={"process_slug": component.process.slug, "component_id": component.pk, **kwargs},
    )
