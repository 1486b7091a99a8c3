"""The budgets API: budgets, projects, results of closed votes, and one's own ballot (read, cast, replace)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from parlons.core.services import component_add, component_publish, phase_create, process_create
from parlons.modules.budgets.models import Ballot, Budget
from parlons.modules.budgets.seed import seed_component

pytestmark = pytest.mark.django_db


@pytest.fixture
def component(org):
    process = process_create(organisation=org, by=None, title="Budget participatif")
    process.visibility = "public"
    process.save()
    phase_create(process=process, by=None, title="Vote", is_current=True)
    component = component_publish(
        component=component_add(process=process, by=None, module_key="budgets"), by=None
    )
    seed_component(component)
    return component


@pytest.fixture
def voter(citizen):
    EmailAddress.objects.get_or_create(
        user=citizen, email=citizen.email, defaults={"verified": True, "primary": True}
    )
    return citizen


def base(component):
    return f"/api/v1/components/{component.pk}/budgets"


def test_budgets_projects_and_results_are_public(component, client_for):
    past, current = Budget.objects.filter(component=component).order_by("position")
    client = client_for()
    listed = client.get(f"{base(component)}/budgets").json()["items"]
    assert [b["id"] for b in listed] == [past.pk, current.pk]
    assert listed[1]["status"] == "open" and listed[1]["rule"] == current.rule
    projects = client.get(f"{base(component)}/projects", {"budget": current.pk, "page_size": 100}).json()
    assert projects["count"] == current.projects.exclude(status="submitted").count() > 0
    one = projects["items"][0]
    assert client.get(f"{base(component)}/projects/{one['id']}").json()["title"] == one["title"]
    result = client.get(f"{base(component)}/budgets/{past.pk}/result").json()
    assert result["winners"] and result["cost"] + result["left"] == past.amount
    funded = [line for line in result["projects"] if line["won"]]
    assert {line["project"] for line in funded} == set(result["winners"])
    assert result["export_url"].endswith(f"/budgets/{past.pk}/votes.pb")
    assert client.get(f"{base(component)}/budgets/{current.pk}/result").status_code == 404


def test_my_ballot_read_cast_and_replace(component, client_for, voter):
    current = Budget.objects.filter(component=component, status="open").get()
    url = f"{base(component)}/budgets/{current.pk}/ballot"
    assert client_for().get(url).status_code == 401
    client = client_for(voter)
    assert client.get(url).status_code == 404
    ids = list(
        current.projects.filter(status="feasible").order_by("cost").values_list("public_id", flat=True)
    )
    first = client.put(url, {"projects": ids[:1]}, content_type="application/json")
    assert first.status_code == 200, first.content
    assert first.json()["choices"] == {ids[0]: 1} and first.json()["revision"] == 1
    second = client.put(url, {"projects": ids[1:2]}, content_type="application/json").json()
    assert second["choices"] == {ids[1]: 1} and second["revision"] == 2 and second["receipt_code"]
    assert Ballot.objects.filter(budget=current, voter=voter).count() == 1
    assert client.get(url).json()["choices"] == {ids[1]: 1}
    # A project not on the ballot: a clear error, the ballot unchanged.
    bad = client.put(url, {"projects": ["nope"]}, content_type="application/json")
    assert bad.status_code == 422 and "not on the ballot" in bad.content.decode()
    assert client.get(url).json()["revision"] == 2


def test_voting_in_a_closed_budget_is_refused(component, client_for, voter):
    past = Budget.objects.filter(component=component, status="closed").get()
    project = past.projects.exclude(status="submitted").first()
    response = client_for(voter).put(
        f"{base(component)}/budgets/{past.pk}/ballot",
        {"projects": [project.public_id]},
        content_type="application/json",
    )
    assert response.status_code in (403, 409)


def test_other_towns_budgets_are_not_reachable(component, client_for, other_org):
    current = Budget.objects.filter(component=component, status="open").get()
    other = client_for(organisation=other_org)
    assert other.get(f"{base(component)}/budgets").status_code == 404
    assert other.get(f"{base(component)}/budgets/{current.pk}").status_code == 404


def test_documented_in_the_openapi_schema(client_for):
    schema = client_for().get("/api/v1/openapi.json").json()
    paths = [p for p in schema["paths"] if "/budgets/" in p]
    assert any(p.endswith("/budgets/{budget_id}/ballot") for p in paths)
    assert any(p.endswith("/budgets/{budget_id}/result") for p in paths)
    assert any(p.endswith("/projects/{public_id}") for p in paths)
    ballot = next(p for p in paths if p.endswith("/ballot"))
    assert {"get", "put"} <= set(schema["paths"][ballot])


def test_list_queries_do_not_grow_with_the_items(component, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for()
    client.get(f"{base(component)}/projects")  # warms the per-process caches (organisation, content types)
    counts = []
    for size in (2, 20):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{base(component)}/projects", {"page_size": size}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 10, counts
    with CaptureQueriesContext(connection) as queries:
        client.get(f"{base(component)}/budgets")
    assert len(queries) <= 10
