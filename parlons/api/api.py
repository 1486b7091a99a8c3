"""The REST API at /api/v1: one NinjaAPI assembling our routers and every module's router."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ninja import NinjaAPI
from ninja.operation import Operation

from parlons.api import auth
from parlons.api.docs import OfflineSwagger
from parlons.api.endpoints import components, organisation, processes
from parlons.api.errors import install_exception_handlers
from parlons.api.throttling import default_throttles
from parlons.core import registry

DESCRIPTION = """\
Parlons' public API. Every answer concerns the organisation of the host name (or `/o/<slug>/` prefix)
the request is sent to, and never another one.

**Authentication**: the session of the web site (unsafe methods then need the `X-CSRFToken` header), or a
personal token created in your profile: `Authorization: Bearer <token>`. Tokens are valid for one
organisation only. Public reads need neither.

**Errors** are JSON `{"code": "...", "message": "..."}` (422 adds `errors`), with the HTTP status telling
what went wrong: 401 unauthenticated, 403 forbidden, 404 not_found, 409 conflict, 422 validation_error,
429 rate_limited. Messages follow the language of the request.

**Lists** are paginated with `page` and `page_size` (default 20, at most 100).
"""


_COMPONENT_ID_PARAMETER = {
    "in": "path",
    "name": "component_id",
    "required": True,
    "schema": {"type": "integer", "title": "Component Id"},
}


class ParlonsAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        # Public reads list AnonymousAccess among their schemes: OpenAPI says that with an empty object.
        anonymous = type(auth.anonymous).__name__
        schema.get("components", {}).get("securitySchemes", {}).pop(anonymous, None)
        for operations in schema["paths"].values():
            for operation in operations.values():
                if "security" in operation:
                    operation["security"] = [
                        {} if anonymous in item else item for item in operation["security"]
                    ]
        # Ninja documents only the parameters an operation declares; a module operation may rely on
        # request.component alone, yet its path holds {component_id}, which OpenAPI requires declared.
        for path, operations in schema["paths"].items():
            if "{component_id}" not in path:
                continue
            for operation in operations.values():
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("in") == "path" and p.get("name") == "component_id" for p in parameters):
                    parameters.insert(0, _COMPONENT_ID_PARAMETER)
        return schema

    def get_openapi_operation_id(self, operation: Operation) -> str:
        # Our view names are unique and read well in generated clients; modules keep ninja's default.
        if operation.view_func.__module__.startswith("parlons.api."):
            return operation.view_func.__name__
        return super().get_openapi_operation_id(operation)


def create_api(
    *, modules: Iterable[registry.ModuleManifest] | None = None, urls_namespace: str = "api"
) -> NinjaAPI:
    """Build the API; ``modules`` defaults to every registered module (tests pass their own)."""
    api = ParlonsAPI(
        title="Parlons API",
        version="1",
        description=DESCRIPTION,
        urls_namespace=urls_namespace,
        openapi_url="/openapi.json",
        docs=OfflineSwagger(),
        docs_url="/docs",
        auth=auth.PUBLIC,
        throttle=default_throttles(),
    )
    install_exception_handlers(api)
    api.add_router("", organisation.router)
    api.add_router("", processes.router)
    api.add_router("", components.router)
    components.mount_module_routers(api, list(registry.all_modules() if modules is None else modules))
    return api


api = create_api()
