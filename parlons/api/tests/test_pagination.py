import pytest

from parlons.core.tests.factories import ProcessFactory, TopicFactory

pytestmark = pytest.mark.django_db


def test_shape_and_links(api, org):
    ProcessFactory.create_batch(5, organisation=org)
    body = api().get("/processes", {"page_size": 2, "page": 2}).json()
    assert set(body) == {"items", "count", "page", "pages", "next", "previous"}
    assert len(body["items"]) == 2
    assert (body["count"], body["page"], body["pages"]) == (5, 2, 3)
    assert body["next"].startswith("http://valmont.example.test/api/v1/processes?")
    assert "page=3" in body["next"] and "page_size=2" in body["next"]
    assert "page=1" in body["previous"]
    last = api().get("/processes", {"page_size": 2, "page": 3}).json()
    assert len(last["items"]) == 1 and last["next"] is None


def test_defaults_to_20_and_first_page_has_no_previous(api, org):
    TopicFactory.create_batch(25, organisation=org)
    body = api().get("/topics").json()
    assert len(body["items"]) == 20
    assert (body["count"], body["page"], body["pages"]) == (25, 1, 2)
    assert body["previous"] is None


def test_empty_list_has_one_empty_page(api, org):
    body = api().get("/processes").json()
    assert body == {"items": [], "count": 0, "page": 1, "pages": 1, "next": None, "previous": None}


def test_page_beyond_the_end_is_empty(api, org):
    ProcessFactory(organisation=org)
    body = api().get("/processes", {"page": 9}).json()
    assert body["items"] == []
    assert body["count"] == 1
    assert body["previous"] is not None


@pytest.mark.parametrize("params", [{"page_size": 101}, {"page_size": 0}, {"page": 0}, {"page": "x"}])
def test_limits_are_validation_errors(api, org, params):
    response = api().get("/processes", params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["loc"][0] == "query"


def test_page_size_100_is_allowed(api, org):
    TopicFactory.create_batch(3, organisation=org)
    assert api().get("/topics", {"page_size": 100}).status_code == 200
