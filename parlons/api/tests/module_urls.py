"""A URLconf whose API mounts a test module's router, as the registry would mount a real one."""

from django.urls import path
from ninja import Path, Router

from parlons.api.api import create_api
from parlons.api.docs import docs_asset
from parlons.core import registry


def echo_router() -> Router:
    router = Router()

    @router.get("/summary")
    def summary(request):
        return {"component": request.component.pk, "name": request.component.name}

    @router.get("/items/{int:item}")
    def item(request, component_id: Path[int], item: int):
        return {"component_id": component_id, "item": item, "process": request.component.process.slug}

    return router


ECHO = registry.ModuleManifest(
    key="echo",
    name="Echo",
    description="",
    icon="",
    app_label="api",
    actions=(registry.Action(key="read", label="Read", default_level=0, anonymous_allowed=True),),
    api_router=echo_router,
)

api = create_api(modules=[*registry.all_modules(), ECHO], urls_namespace="api")

urlpatterns = [
    path("api/v1/docs/assets/<str:name>", docs_asset, name="api-docs-asset"),
    path("api/v1/", api.urls),
]
