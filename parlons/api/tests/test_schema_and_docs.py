import json
import re

import pytest

from parlons.api.tests.conftest import API

pytestmark = pytest.mark.django_db


def test_openapi_is_valid_json_with_our_paths(api):
    response = api().get("/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Parlons API"
    assert schema["info"]["version"] == "1"
    for path in (
        "/organisation",
        "/areas",
        "/topics",
        "/services",
        "/me",
        "/processes",
        "/processes/{slug}",
        "/processes/{slug}/phases",
        "/processes/{slug}/components",
        "/processes/{slug}/publish",
        "/components/{component_id}",
        "/components/{component_id}/publish",
    ):
        assert f"{API}{path}" in schema["paths"], path
    assert set(schema["components"]["securitySchemes"]) == {"BearerTokenAuth", "SessionUserAuth"}
    public = schema["paths"][f"{API}/processes"]["get"]["security"]
    assert public == [{"BearerTokenAuth": []}, {"SessionUserAuth": []}, {}]
    assert {} not in schema["paths"][f"{API}/me"]["get"]["security"]
    assert {} not in schema["paths"][f"{API}/processes"]["post"]["security"]
    paged = schema["components"]["schemas"]["PagedProcessOut"]["properties"]
    assert {"items", "count", "page", "pages", "next", "previous"} <= set(paged)


def test_openapi_passes_the_openapi_validator(api):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(json.loads(api().get("/openapi.json").content))


def test_docs_page_uses_only_local_assets_with_nonces(api):
    client = api()
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    srcs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert srcs, html
    assert all(not src.startswith(("http:", "https:", "//")) for src in srcs), srcs
    csp = response["Content-Security-Policy"]
    nonces = set(re.findall(r'<script[^>]*nonce="([^"]+)"', html))
    assert len(nonces) == 1
    assert f"'nonce-{nonces.pop()}'" in csp
    assert "<script>" not in html  # no inline script without a nonce
    for src in re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(r'<link[^>]+href="([^"]+)"', html):
        asset = client.client.get(src)
        assert asset.status_code == 200, src
        b"".join(asset.streaming_content)
    settings_json = re.search(r'id="swagger-settings"[^>]*>(.*?)</script>', html, re.S).group(1)
    assert json.loads(settings_json)["url"] == f"{API}/openapi.json"


def test_docs_assets_are_limited_to_the_swagger_files(api):
    client = api().client
    assert client.get(f"{API}/docs/assets/swagger-ui-bundle.js")["Content-Type"].endswith("javascript")
    assert client.get(f"{API}/docs/assets/__init__.py").status_code == 404
    assert client.get(f"{API}/docs/assets/..%2F__init__.py").status_code == 404
