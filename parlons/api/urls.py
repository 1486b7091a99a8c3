"""URLs under /api/v1/: the ninja API, the documentation's local assets, and JSON errors for the rest."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.urls import URLPattern, URLResolver, include, path, re_path

from parlons.api.api import api
from parlons.api.docs import docs_asset
from parlons.api.errors import method_not_allowed_response, not_found_response


def unknown_path(request: HttpRequest, rest: str = "") -> JsonResponse:
    return not_found_response(request)


def _json_method_not_allowed(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Ninja answers a known path with an unknown method by an empty 405; give it our error format."""

    @functools.wraps(view)  # keeps csrf_exempt: ninja checks CSRF itself, for session callers only
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            json_response = method_not_allowed_response(request)
            json_response["Allow"] = response.get("Allow", "")
            return json_response
        return response

    return wrapper


def _with_json_405(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _json_method_not_allowed(pattern.callback)
    return patterns


_api_patterns, _app_name, _namespace = api.urls

urlpatterns = [
    path("docs/assets/<str:name>", docs_asset, name="api-docs-asset"),
    path("", include((_with_json_405(list(_api_patterns)), _app_name), namespace=_namespace)),
    re_path(r"^(?P<rest>.*)$", unknown_path),
]
