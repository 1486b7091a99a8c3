import pytest
from django.test import Client

from parlons.api import throttling
from parlons.api.api import api as ninja_api
from parlons.core.tests.factories import ProcessFactory

pytestmark = pytest.mark.django_db


def _assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


def test_401_for_anonymous_on_protected_endpoints(api, org):
    process = ProcessFactory(organisation=org)
    _assert_error(api().get("/me"), 401, "unauthenticated")
    _assert_error(api().post("/processes", {"title": "x"}), 401, "unauthenticated")
    _assert_error(api().patch(f"/processes/{process.slug}", {"title": "x"}), 401, "unauthenticated")
    _assert_error(api().post(f"/processes/{process.slug}/publish"), 401, "unauthenticated")


def test_403_for_citizens_on_write_endpoints(api, org, citizen, agent):
    process = ProcessFactory(organisation=org)
    for user in (citizen, agent):
        _assert_error(api(user).post("/processes", {"title": "x"}), 403, "forbidden")
        _assert_error(api(user).post(f"/processes/{process.slug}/phases", {"title": "x"}), 403, "forbidden")
        # even for a process that does not exist: nothing to learn from a 404
        _assert_error(api(user).post("/processes/inconnu/publish"), 403, "forbidden")


def test_404_for_unknown_objects_and_paths(api, org, admin_user):
    _assert_error(api().get("/processes/inconnu"), 404, "not_found")
    _assert_error(api().get("/processes/inconnu/phases"), 404, "not_found")
    _assert_error(api(admin_user).patch("/components/999999", {"name": "x"}), 404, "not_found")
    _assert_error(api().get("/nothing/here"), 404, "not_found")
    _assert_error(api().get("/processes/a/b/c"), 404, "not_found")
    _assert_error(api().get("/processes/"), 404, "not_found")


def test_422_for_invalid_input_with_details(api, org, admin_user):
    body = _assert_error(api(admin_user).post("/processes", {"title": ""}), 422, "validation_error")
    assert body["errors"][0]["loc"][:2] == ["body", "payload"]
    body = _assert_error(
        api(admin_user).post("/processes", {"title": "x", "start_date": "demain"}), 422, "validation_error"
    )
    assert "start_date" in body["errors"][0]["loc"]
    invalid_json = api(admin_user).client.post(
        "/api/v1/processes", data="{nope", content_type="application/json"
    )
    assert invalid_json.status_code in (400, 422)
    assert invalid_json.json()["code"] in ("bad_request", "validation_error")


def test_422_from_a_service_names_the_field(api, org, admin_user):
    body = _assert_error(
        api(admin_user).post(
            "/processes", {"title": "x", "start_date": "2025-05-02", "end_date": "2025-05-01"}
        ),
        422,
        "validation_error",
    )
    assert body["field"] == "end_date"
    assert body["errors"] == [{"loc": ["end_date"], "message": body["message"], "type": "validation_error"}]
    _assert_error(
        api(admin_user).post("/processes", {"title": "x", "area": "inconnue"}), 422, "validation_error"
    )


def test_409_for_conflicts(api, org, admin_user, monkeypatch):
    from parlons.common.errors import Conflict
    from parlons.core import registry

    manifest = registry.get("pages")
    process = ProcessFactory(organisation=org)
    component = api(admin_user).post(f"/processes/{process.slug}/components", {"module_key": "pages"}).json()
    # A service refusing for the state of things answers 409 with its own code and message.
    monkeypatch.setattr(
        "parlons.core.services.component_publish",
        lambda **kwargs: (_ for _ in ()).throw(Conflict("Déjà publié", code="already_published")),
    )
    body = _assert_error(
        api(admin_user).post(f"/components/{component['id']}/publish"), 409, "already_published"
    )
    assert body["message"] == "Déjà publié"
    assert manifest is registry.get("pages")


def test_429_when_rate_limited(api, org, monkeypatch):
    throttle = next(t for t in ninja_api.throttle if isinstance(t, throttling.AnonymousRateThrottle))
    monkeypatch.setattr(throttle, "num_requests", 2)
    client = api()
    assert client.get("/processes").status_code == 200
    assert client.get("/processes").status_code == 200
    body = _assert_error(client.get("/processes"), 429, "rate_limited")
    assert body
    assert int(client.get("/processes")["Retry-After"]) > 0


def test_messages_follow_the_language(org):
    client = Client(HTTP_HOST=org.host)
    client.cookies["django_language"] = "en"
    english = client.get("/api/v1/me").json()["message"]
    client.cookies["django_language"] = "fr"
    french = client.get("/api/v1/me").json()["message"]
    assert english == "Authentication is required."
    assert french  # translated when the French catalogue has it; English source otherwise


def test_405_for_an_unknown_method_on_a_known_path(api, org):
    response = api().client.delete("/api/v1/processes")
    body = _assert_error(response, 405, "method_not_allowed")
    assert body
    assert "GET" in response["Allow"]


def test_organisation_by_path_prefix_is_isolated_too(org, other_org):
    from parlons.core.tests.factories import ProcessFactory as Factory

    Factory(organisation=other_org, slug="la-bas")
    client = Client(HTTP_HOST=org.host)
    body = client.get("/o/autreville/api/v1/processes").json()
    assert [p["slug"] for p in body["items"]] == ["la-bas"]
    assert body["items"][0]["url"] == "http://valmont.example.test/o/autreville/processes/la-bas/"
    assert client.get("/api/v1/processes").json()["items"] == []
    assert client.get("/o/autreville/api/v1/nope").json()["code"] == "not_found"
