"""Components by id: configuration and publication by administrators, and the modules' own routes.

Each module that declares ``api_router`` on its manifest gets its router mounted at
``/components/{component_id}/<key>/``; the core checks, before the module's code runs, that the component
exists in this organisation, is of that module and is visible to the caller, and hands it over as
``request.component``. A module operation that wants the id as a parameter declares it as
``component_id: ninja.Path[int]`` (ninja does not infer path parameters of a router's prefix).
"""

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Router

from parlons.api import auth
from parlons.api.access import caller, organisation_of, require_admin
from parlons.api.endpoints.processes import WRITE_ERRORS
from parlons.api.schemas import ComponentOut, ComponentUpdateIn, PublishIn
from parlons.common.errors import NotFound
from parlons.core import registry, selectors, services
from parlons.core.models import Component

router = Router(tags=["components"])


def _component(request: HttpRequest, component_id: int) -> Component:
    return selectors.access_component_by_id(
        organisation=organisation_of(request), user=caller(request), component_id=component_id
    )


@router.patch(
    "/components/{int:component_id}",
    response={200: ComponentOut, **WRITE_ERRORS},
    auth=auth.AUTHENTICATED,
    summary="Rename or configure a component (only the fields sent)",
)
def component_configure(request: HttpRequest, component_id: int, payload: ComponentUpdateIn) -> Component:
    require_admin(request)
    sent = payload.model_dump(exclude_unset=True)
    return services.component_configure(
        component=_component(request, component_id),
        by=caller(request),
        name=sent.get("name"),
        settings=sent.get("settings"),
        permissions=sent.get("permissions"),
    )


@router.post(
    "/components/{int:component_id}/publish",
    response={200: ComponentOut, **WRITE_ERRORS},
    auth=auth.AUTHENTICATED,
    summary="Publish (or unpublish with published=false) a component",
)
def component_publish(request: HttpRequest, component_id: int, payload: PublishIn | None = None) -> Component:
    require_admin(request)
    return services.component_publish(
        component=_component(request, component_id),
        by=caller(request),
        published=payload.published if payload is not None else True,
    )


def _component_guard(module_key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wraps each view of a module's router: the component must be visible here and be of this module."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            raw_id = request.resolver_match.kwargs.get("component_id") if request.resolver_match else None
            try:
                component_id = int(raw_id)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise NotFound("component") from None
            component = _component(request, component_id)
            if component.module_key != module_key:
                raise NotFound("component")
            request.component = component  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def mount_module_routers(api: NinjaAPI, manifests: list[registry.ModuleManifest]) -> None:
    """Mount every module's API router; the loop never names a module."""
    for manifest in manifests:
        if manifest.api_router is None:
            continue
        # The guard goes on a fresh parent router (decorators are inherited), so a module may return the
        # same Router every time and the API can still be built more than once.
        mount = Router(tags=[manifest.key])
        mount.add_router("", manifest.api_router())
        mount.add_decorator(_component_guard(manifest.key), mode="operation")
        api.add_router(f"/components/{{int:component_id}}/{manifest.key}/", mount)
