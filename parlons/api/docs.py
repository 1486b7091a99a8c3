"""Browsable API documentation that works offline and under our Content Security Policy.

Ninja renders Swagger UI from a CDN unless ``ninja`` is an installed app; we serve the Swagger UI files
that the ninja package ships, through our own small view (no CDN, no collectstatic step), and render the
page ourselves so that every script carries the request's CSP nonce and no inline script is needed.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

ASSETS_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
# Only these files are served: nothing else of the package directory is reachable.
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.png"})


class OfflineSwagger(DocsBase):
    """Swagger UI from local files, nonce-tagged scripts, CSRF header for session-authenticated tries."""

    template = "api/docs.html"

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.settings: dict[str, Any] = {"layout": "BaseLayout", "deepLinking": True, **(settings or {})}

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        openapi_url = self.get_openapi_url(api, kwargs)
        swagger_settings = {**self.settings, "url": openapi_url}
        context = {
            "api": api,
            "openapi_url": openapi_url,
            # Escaped so that nothing in the settings can close the <script> element it sits in.
            "swagger_settings": json.dumps(swagger_settings).replace("<", "\\u003c"),
            "asset_css": reverse("api-docs-asset", kwargs={"name": "swagger-ui.css"}),
            "asset_bundle": reverse("api-docs-asset", kwargs={"name": "swagger-ui-bundle.js"}),
            "asset_init": reverse("api-docs-asset", kwargs={"name": "swagger-ui-init.js"}),
            "asset_favicon": reverse("api-docs-asset", kwargs={"name": "favicon.png"}),
        }
        return render(request, self.template, context)


@require_safe
def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    """One Swagger UI file of the installed ninja package (cached a day by browsers)."""
    if name not in ASSETS or not (ASSETS_DIR / name).is_file():
        raise Http404(name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse((ASSETS_DIR / name).open("rb"), content_type=content_type)
    patch_cache_control(response, public=True, max_age=86400)
    return response
