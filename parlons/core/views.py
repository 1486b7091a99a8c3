from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from parlons.common.errors import NotFound
from parlons.core import permissions, registry, selectors
from parlons.core.models import Component, Process


def _component_url(component: Component) -> str:
    manifest = registry.get(component.module_key)
    if manifest is None or not manifest.urls:
        return ""
    try:
        return reverse(
            f"{manifest.key}:{manifest.index_url_name}",
            kwargs={"process_slug": component.process.slug, "component_id": component.pk},
        )
    except NoReverseMatch:
        return ""


def _open_actions(request: HttpRequest, process: Process) -> list[str]:
    """Labels of the actions open to participants in the current phase, for the process cards."""
    labels: list[str] = []
    current = process.current_phase()
    for component in process.components.all():
        manifest = registry.get(component.module_key)
        if manifest is None or component.published_at is None:
            continue
        for action in manifest.actions:
            if action.staff:
                continue
            rule = permissions.action_rule(component, action.key)
            if not rule.get("enabled", True):
                continue
            phases = rule.get("phases") or []
            if phases and (current is None or current.pk not in phases):
                continue
            label = str(action.label)
            if label not in labels:
                labels.append(label)
    return labels


def home(request: HttpRequest) -> HttpResponse:
    org = request.organisation  # type: ignore[attr-defined]
    processes = list(selectors.process_list(organisation=org, user=request.user))
    open_processes: list[Process] = []
    other: list[Process] = []
    for process in processes:
        process.actions = _open_actions(request, process)  # type: ignore[attr-defined]
        (open_processes if process.current_phase() else other).append(process)
    return render(request, "core/home.html", {"open_processes": open_processes, "other_processes": other})


def process_list(request: HttpRequest) -> HttpResponse:
    org = request.organisation  # type: ignore[attr-defined]
    processes = list(selectors.process_list(organisation=org, user=request.user))
    for process in processes:
        process.actions = _open_actions(request, process)  # type: ignore[attr-defined]
    return render(request, "core/process_list.html", {"processes": processes})


def process_detail(request: HttpRequest, slug: str) -> HttpResponse:
    org = request.organisation  # type: ignore[attr-defined]
    try:
        process = selectors.access_process(organisation=org, user=request.user, slug=slug)
    except NotFound as exc:
        raise Http404 from exc
    staff = permissions.is_staff(request.user, org)
    items: list[dict[str, Any]] = []
    for component in selectors.component_list(process=process, include_unpublished=staff):
        component.process = process
        manifest = registry.get(component.module_key)
        if manifest is None:
            continue
        actions = []
        for action in manifest.actions:
            if action.staff and not staff:
                continue
            decision = permissions.can_perform(request.user, component, action.key)
            if not permissions.action_rule(component, action.key).get("enabled", True):
                continue
            actions.append({"label": action.label, "allowed": decision.allowed, "reason": decision.reason})
        items.append(
            {
                "component": component,
                "manifest": manifest,
                "url": _component_url(component),
                "actions": actions,
            }
        )
    phases = list(process.phases.all())
    return render(
        request,
        "core/process_detail.html",
        {"process": process, "phases": phases, "current_phase": process.current_phase(), "components": items},
    )


def component_detail(request: HttpRequest, slug: str, component_id: int) -> HttpResponse:
    org = request.organisation  # type: ignore[attr-defined]
    try:
        component = selectors.access_component(
            organisation=org, user=request.user, process_slug=slug, component_id=component_id
        )
    except NotFound as exc:
        raise Http404 from exc
    url = _component_url(component)
    if not url:
        raise Http404
    return redirect(url)


def healthz(request: HttpRequest) -> JsonResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# Points per layer on the combined map (and in its list); the modules' own maps cluster the rest.
MAP_LAYER_LIMIT = 500


def map_page(request: HttpRequest) -> HttpResponse:
    """Every published component's map layers on one map, with a layer list, a district filter and the
    same points as an accessible list. Modules are read only through the registry (``map_layers``)."""
    from itertools import islice

    from django.contrib.gis.geos import Point

    org = request.organisation  # type: ignore[attr-defined]
    areas = list(selectors.area_list(organisation=org))
    area = next((a for a in areas if str(a.pk) == request.GET.get("area")), None)
    chosen = set(request.GET.getlist("layer"))
    layers: list[dict[str, Any]] = []
    for process in selectors.process_list(organisation=org, user=request.user):
        for component in process.components.all():
            manifest = registry.get(component.module_key)
            if manifest is None or component.published_at is None:
                continue
            component.process = process
            for layer in manifest.map_layers:
                key = f"{component.pk}-{layer.key}"
                shown = not chosen or key in chosen
                features: list[dict[str, Any]] = []
                if shown:
                    for feature in islice(layer.features(component), MAP_LAYER_LIMIT * 4):
                        geometry = feature.get("geometry") or {}
                        if geometry.get("type") != "Point":
                            continue
                        lon, lat = geometry["coordinates"][:2]
                        if area is not None and (
                            area.geometry is None or not area.geometry.contains(Point(lon, lat, srid=4326))
                        ):
                            continue
                        properties = feature.get("properties") or {}
                        label = properties.get("title") or properties.get("category") or str(layer.label)
                        features.append(
                            {
                                "lon": lon,
                                "lat": lat,
                                "label": str(label),
                                "status": str(
                                    properties.get("status_label") or properties.get("status") or ""
                                ),
                                "url": properties.get("url") or "",
                            }
                        )
                        if len(features) >= MAP_LAYER_LIMIT:
                            break
                layers.append(
                    {
                        "key": key,
                        "label": f"{layer.label} — {component.name}",
                        "shown": shown,
                        "url": _component_url(component),
                        "features": features,
                        "capped": len(features) >= MAP_LAYER_LIMIT,
                    }
                )
    centre = (org.centre.x, org.centre.y) if org.centre else None
    data = {
        "tiles": org.tile_url,
        "attribution": org.tile_attribution,
        "centre": centre,
        "layers": [
            {"key": la["key"], "label": la["label"], "features": la["features"]}
            for la in layers
            if la["shown"]
        ],
    }
    return render(
        request,
        "core/map.html",
        {
            "layers": layers,
            "areas": areas,
            "area": area,
            "map_data": data,
            "count": sum(len(la["features"]) for la in layers),
        },
    )
