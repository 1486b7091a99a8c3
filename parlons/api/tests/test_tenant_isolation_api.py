"""No API endpoint, core or module, ever answers with another organisation's data.

Every registered module's demo content is loaded into another town; then every GET endpoint of the schema is called
on our town's host, as our administrator (who sees the most), with the other town's identifiers where the path asks
for one.
"""

from __future__ import annotations

import re

import pytest

from parlons.core import registry
from parlons.core.services import (
    component_add,
    component_publish,
    phase_create,
    process_create,
    process_set_visibility,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def their_content(other_org):
    from parlons.core.tests.factories import AreaFactory, ServiceFactory, TopicFactory

    AreaFactory(organisation=other_org, name="Quartier de Leurville")
    TopicFactory(organisation=other_org, name="Thème de Leurville")
    ServiceFactory(organisation=other_org, name="Service de Leurville")
    process = process_create(
        organisation=other_org, by=None, title="Leur démarche secrète", slug="leur-demarche"
    )
    phase_create(process=process, by=None, title="En cours", is_current=True)
    process_set_visibility(process=process, by=None, visibility="public")
    components = {}
    for manifest in registry.all_modules():
        component = component_add(process=process, by=None, module_key=manifest.key)
        component_publish(component=component, by=None)
        if manifest.seed:
            manifest.seed(component)
        components[manifest.key] = component
    return process, components


def _get_paths():
    from parlons.api.urls import api

    return sorted(path for path, ops in api.get_openapi_schema()["paths"].items() if "get" in ops)


def test_every_get_endpoint_is_scoped_to_the_host_organisation(org, admin_user, client_for, their_content):
    process, components = their_content
    client = client_for(admin_user)
    checked = 0
    for path in _get_paths():
        url = path.replace("{slug}", process.slug)
        match = re.match(r"^/api/v1/components/\{component_id\}/([^/]+)/", path)
        if match:
            url = url.replace("{component_id}", str(components[match.group(1)].pk))
        url = re.sub(r"\{[a-z_]+\}", "x", url)
        # Required query parameters of any endpoint (others ignore them): a box around the whole world.
        response = client.get(url, {"bbox": "-180,-85,180,85", "zoom": 12})
        checked += 1
        if "{" in path:
            assert response.status_code == 404, (
                f"{path} answered {response.status_code} for another town's id"
            )
            continue
        assert response.status_code == 200, path
        body = response.content.decode()
        for marker in (
            "Leur démarche secrète",
            "leur-demarche",
            "Quartier de Leurville",
            "Thème de Leurville",
            "Service de Leurville",
        ):
            assert marker not in body, f"{path} leaks {marker!r}"
    assert checked >= len(registry.all_modules()) + 5
