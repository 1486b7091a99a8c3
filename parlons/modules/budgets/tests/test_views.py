"""Pages of the budgets module: list with filters, project, ballot without JavaScript, results, execution, review."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parlons.core.services import component_add, component_publish, phase_create, process_create
from parlons.modules.budgets import services
from parlons.modules.budgets.models import Ballot, Budget, Project
from parlons.modules.budgets.seed import seed_component

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


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


def url(component, name, **kwargs):
    return reverse(
        f"budgets:{name}",
        kwargs={"process_slug": component.process.slug, "component_id": component.pk, **kwargs},
    )


def budgets(component):
    return Budget.objects.filter(component=component).order_by("position")


def assert_no_inline_code(html: str) -> None:
    """CSP is strict: no inline handlers or styles in our markup; scripts come from /static with the nonce."""
    assert not re.search(r"\son[a-z]+=", html)
    assert " style=" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag and "nonce=" in tag


def test_list_filters_and_query_count(component, client_for):
    _past, current = budgets(component)
    client = client_for()
    response = client.get(url(component, "index"))
    body = response.content.decode()
    assert response.status_code == 200 and "Rénover l'aire de jeux" in body.replace("&#x27;", "'")
    assert_no_inline_code(body)
    filtered = client.get(url(component, "index"), {"budget": current.pk, "q": "fresque"}).content.decode()
    assert "fresque" in filtered and "Une piste cyclable" not in filtered
    with CaptureQueriesContext(connection) as few:
        client.get(url(component, "index"), {"budget": current.pk})
    with CaptureQueriesContext(connection) as all_:
        client.get(url(component, "index"))
    assert len(all_) == len(few)  # no query per project


def test_ballot_works_without_javascript_and_replaces(component, client_for, citizen):
    current = budgets(component)[1]
    projects = list(current.projects.order_by("cost"))
    client = client_for(citizen)
    page = client.get(url(component, "vote", budget_id=current.pk)).content.decode()
    assert 'id="budget-meter"' in page and "budgets/ballot.js" in page
    assert_no_inline_code(page)
    response = client.post(
        url(component, "vote", budget_id=current.pk), {"projects": [p.public_id for p in projects]}
    )
    assert response.status_code == 400  # knapsack over the budget: error shown, nothing recorded
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Ballot.objects.filter(budget=current).exists()
    client.post(url(component, "vote", budget_id=current.pk), {"projects": [projects[0].public_id]})
    client.post(url(component, "vote", budget_id=current.pk), {"projects": [projects[1].public_id]})
    ballot = Ballot.objects.get(budget=current)
    assert ballot.choices == [[projects[1].pk, 1]] and ballot.revision == 2


def test_anonymous_and_closed(component, client_for):
    past, current = budgets(component)
    assert (
        client_for().post(url(component, "vote", budget_id=current.pk), {"projects": []}).status_code == 302
    )
    page = client_for().get(url(component, "vote", budget_id=past.pk)).content.decode()
    assert "disabled" in page


def test_results_execution_and_export(component, client_for):
    past = budgets(component)[0]
    client = client_for()
    body = client.get(url(component, "results", budget_id=past.pk)).content.decode()
    assert 'href="' + url(component, "export", budget_id=past.pk) + '"' in body
    assert body.count("<tr>") >= 5
    assert_no_inline_code(body)
    execution = client.get(url(component, "execution", budget_id=past.pk)).content.decode()
    assert "<progress" in execution
    exported = client.get(url(component, "export", budget_id=past.pk))
    assert exported.status_code == 200 and exported.content.startswith(b"META")
    assert client.get(url(component, "export", budget_id=budgets(component)[1].pk)).status_code == 404


def test_review_queue_is_staff_only(component, client_for, citizen, agent):
    draft = services.budget_create(component=component, by=None, title="Quartier", amount=10000)
    project = services.project_submit(
        budget=draft,
        by=citizen,
        title="Un banc",
        description="Un banc devant la boulangerie du village.",
        cost=900,
    )
    assert client_for(citizen).get(url(component, "review")).status_code == 404
    assert "Un banc" in client_for(agent).get(url(component, "review")).content.decode()
    response = client_for(agent).post(
        url(component, "review_project", public_id=project.public_id), {"feasible": "0", "reason": ""}
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    client_for(agent).post(
        url(component, "review_project", public_id=project.public_id),
        {"feasible": "0", "reason": "Terrain privé."},
    )
    assert Project.objects.get(pk=project.pk).status == Project.Status.NOT_FEASIBLE


def test_propose_page(component, client_for, citizen):
    services.budget_create(component=component, by=None, title="Quartier", amount=10000)
    client = client_for(citizen)
    form = client.get(url(component, "propose")).content.decode()
    assert 'name="cost"' in form
    draft = Budget.objects.get(title="Quartier")
    response = client.post(
        url(component, "propose"), {"budget": draft.pk, "title": "Banc", "description": "court", "cost": "0"}
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = client.post(
        url(component, "propose"),
        {"budget": draft.pk, "title": "Banc", "description": "Un banc devant la boulangerie.", "cost": "900"},
    )
    assert response.status_code == 302 and Project.objects.filter(title="Banc", author=citizen).exists()


def test_budget_tally_command():
    out = StringIO()
    call_command(
        "budget_tally", str(FIXTURES / "approval_small.pb"), "--rule", "mes+add1", "--json", stdout=out
    )
    data = json.loads(out.getvalue())
    assert data["winners"] == ["a", "c"] and data["cost"] == 100 and data["seconds"] >= 0


def test_budget_tally_command_reports_malformed_files(tmp_path):
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\na;-1\n")
    with pytest.raises(CommandError, match="line 6: project 'a' has a negative cost"):
        call_command("budget_tally", str(bad), "--json")


def test_ballot_page_shows_a_receipt_that_downloads_and_checks(component, client_for, citizen):
    from parlons.ledger.receipts import receipt_check_online

    current = budgets(component)[1]
    project = current.projects.order_by("cost").first()
    client = client_for(citizen)
    assert "Your receipt" not in client.get(url(component, "vote", budget_id=current.pk)).content.decode()
    client.post(url(component, "vote", budget_id=current.pk), {"projects": [project.public_id]})
    code = Ballot.objects.get(budget=current).receipt_code
    page = client.get(url(component, "vote", budget_id=current.pk)).content.decode()
    assert code and code in page and "What it does not prove" in page
    assert_no_inline_code(page)
    org = component.process.organisation
    download = client.get(reverse("ledger:receipt", kwargs={"org_slug": org.slug, "code": code}))
    assert download.status_code == 200
    receipt = json.loads(download.content)
    assert receipt["kind"] == "ballot" and citizen.email not in download.content.decode()
    assert receipt_check_online(organisation=org, receipt=receipt).included


def test_demo_budget_is_in_the_log_and_recounts(component, client_for):
    from parlons.ledger.audit import recount_vote
    from parlons.modules.budgets import transparency

    past = budgets(component)[0]
    recount = recount_vote(vote_id=transparency.vote_ref(past))
    assert recount.matches and recount.result["voters"] == 240
    org = component.process.organisation
    page = client_for().get(reverse("ledger:transparency", kwargs={"org_slug": org.slug})).content.decode()
    assert past.title in page
