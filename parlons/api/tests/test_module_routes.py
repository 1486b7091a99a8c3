import json

import pytest

from parlons.core.models import Process
from parlons.core.tests.factories import ComponentFactory, ProcessFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("parlons.api.tests.module_urls")]


def test_module_router_is_mounted_under_its_component(api, org):
    component = ComponentFactory(
        process=ProcessFactory(organisation=org, slug="p"), module_key="echo", name="Écho"
    )
    response = api().get(f"/components/{component.pk}/echo/summary")
    assert response.status_code == 200, response.content
    assert response.json() == {"component": component.pk, "name": "Écho"}
    response = api().get(f"/components/{component.pk}/echo/items/7")
    assert response.json() == {"component_id": component.pk, "item": 7, "process": "p"}
    schema = json.loads(api().get("/openapi.json").content)
    summary = schema["paths"]["/api/v1/components/{component_id}/echo/summary"]["get"]
    assert {"in": "path", "name": "component_id"}.items() <= summary["parameters"][0].items()
    openapi_spec_validator = pytest.importorskip("openapi_spec_validator")
    openapi_spec_validator.validate(schema)


def test_module_routes_check_the_component(api, org, other_org, citizen, admin_user):
    theirs = ComponentFactory(process=ProcessFactory(organisation=other_org), module_key="echo")
    pages = ComponentFactory(process=ProcessFactory(organisation=org), module_key="pages")
    draft = ComponentFactory(
        process=ProcessFactory(organisation=org, visibility=Process.Visibility.DRAFT), module_key="echo"
    )
    unpublished = ComponentFactory(
        process=ProcessFactory(organisation=org), module_key="echo", published_at=None
    )
    for component in (theirs, pages, draft, unpublished):
        response = api(citizen).get(f"/components/{component.pk}/echo/summary")
        assert response.status_code == 404, component
        assert response.json()["code"] == "not_found"
    assert api(admin_user).get(f"/components/{draft.pk}/echo/summary").status_code == 200
    assert api(admin_user).get(f"/components/{unpublished.pk}/echo/summary").status_code == 200
    assert api(admin_user).get(f"/components/{theirs.pk}/echo/summary").status_code == 404


def test_a_module_router_can_be_mounted_twice():
    from ninja import Router

    from parlons.api.api import create_api
    from parlons.api.tests.module_urls import ECHO

    shared = Router()

    @shared.get("/ping")
    def ping(request):
        return {"ok": True}

    manifest = ECHO.__class__(**{**ECHO.__dict__, "key": "twice", "api_router": lambda: shared})
    for namespace in ("api-twice-1", "api-twice-2"):
        api = create_api(modules=[manifest], urls_namespace=namespace)
        assert (
            "/api/v1/components/{component_id}/twice/ping"
            in api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
        )
