"""Back-office pages of budgets: the list, configuring a budget before the vote, importing a .pb file, importing
accepted proposals of a consultation; who may do what."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from parlons.core.models import DecisionEvent
from parlons.core.services import component_add, component_publish, phase_create, process_create
from parlons.modules.budgets import services
from parlons.modules.budgets.models import Budget, Project

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


def _component(org, module_key="budgets", title="Budget participatif"):
    process = process_create(organisation=org, by=None, title=title)
    process.visibility = "public"
    process.save()
    phase_create(process=process, by=None, title="Phase", is_current=True)
    return component_publish(
        component=component_add(process=process, by=None, module_key=module_key), by=None
    )


@pytest.fixture
def component(org):
    return _component(org)


def url(component, name, **kwargs):
    return reverse(
        f"budgets:{name}",
        kwargs={"process_slug": component.process.slug, "component_id": component.pk, **kwargs},
    )


FORM = {
    "title": "Budget des quartiers",
    "description": "",
    "amount": "50000",
    "currency": "EUR",
    "area": "",
    "ballot_type": "knapsack",
    "min_projects": "1",
    "max_projects": "4",
    "min_share": "50",
    "points": "10",
    "top_k": "3",
    "rule": "mes+add1",
    "tie_break": "cost",
}


def test_only_staff_see_the_list_and_only_admins_configure(component, client_for, citizen, agent, admin_user):
    services.budget_create(component=component, by=None, title="Ville", amount=1000)
    assert client_for().get(url(component, "manage")).status_code == 404
    assert client_for(citizen).get(url(component, "manage")).status_code == 404
    page = client_for(agent).get(url(component, "manage")).content.decode()
    assert "Ville" in page and url(component, "budget_new") not in page
    assert client_for(agent).get(url(component, "budget_new")).status_code == 404
    assert client_for(agent).post(url(component, "budget_new"), FORM).status_code == 404
    assert not Budget.objects.filter(title=FORM["title"]).exists()
    page = client_for(admin_user).get(url(component, "manage")).content.decode()
    assert url(component, "budget_new") in page and url(component, "import_pb") in page


def test_admin_of_another_town_cannot_reach_the_pages(component, client_for, other_org):
    from parlons.accounts.models import Role
    from parlons.core.tests.factories import MembershipFactory

    stranger = MembershipFactory(organisation=other_org, role=Role.ADMIN).user
    client = client_for(stranger)
    assert client.get(url(component, "manage")).status_code == 404
    assert client.post(url(component, "budget_new"), FORM).status_code == 404


def test_create_then_configure_before_the_vote_only(component, client_for, admin_user):
    client = client_for(admin_user)
    response = client.post(url(component, "budget_new"), FORM)
    assert response.status_code == 302
    budget = Budget.objects.get(title="Budget des quartiers")
    assert (budget.ballot_type, budget.max_projects, budget.min_share, budget.rule, budget.tie_break) == (
        "knapsack",
        4,
        50,
        "mes+add1",
        "cost",
    )
    # A maximum below the minimum: the error is shown next to the field, nothing changes.
    page = client.post(url(component, "budget_edit", budget_id=budget.pk), FORM | {"min_projects": "5"})
    assert page.status_code == 200
    assert "The maximum cannot be below the minimum." in page.content.decode()
    assert Budget.objects.get(pk=budget.pk).min_projects == 1
    client.post(
        url(component, "budget_edit", budget_id=budget.pk), FORM | {"rule": "greedy", "amount": "60000"}
    )
    budget.refresh_from_db()
    assert (budget.rule, budget.amount) == ("greedy", 60000)
    # Once the vote opens the settings are read-only.
    project = services.project_submit(
        budget=budget,
        by=None,
        title="Un banc",
        description="Un banc devant la boulangerie du village.",
        cost=900,
    )
    services.project_review(project=project, by=None, feasible=True)
    services.budget_open(budget=budget, by=None)
    page = client.get(url(component, "budget_edit", budget_id=budget.pk)).content.decode()
    assert "can no longer change" in page and "disabled" in page
    client.post(url(component, "budget_edit", budget_id=budget.pk), FORM | {"rule": "mes"})
    assert Budget.objects.get(pk=budget.pk).rule == "greedy"


def test_the_tie_rule_decides_between_equal_projects(component, agent):
    budget = services.budget_create(
        component=component, by=None, title="Égalité", amount=1000, rule="greedy", tie_break="cost"
    )
    ids = []
    for title, cost in (("Grand jardin", 800), ("Petit jardin", 700)):
        project = services.project_submit(
            budget=budget, by=None, title=title, description="Un jardin partagé pour le quartier.", cost=cost
        )
        ids.append(services.project_review(project=project, by=None, feasible=True).public_id)
    services.budget_open(budget=budget, by=None)
    for n in range(2):
        services.ballot_cast(budget=budget, voter=None, choices=ids, assisted_by=agent, person_key=f"p{n}")
    result = services.budget_close(budget=budget, by=None)
    winner = Project.objects.get(pk=result.winners[0])
    assert winner.title == "Petit jardin"  # same votes: the cheaper one first, by the published rule


def test_import_a_pb_file_and_errors_with_line(component, client_for, admin_user):
    client = client_for(admin_user)
    good = SimpleUploadedFile("approval_small.pb", (FIXTURES / "approval_small.pb").read_bytes())
    response = client.post(url(component, "import_pb"), {"file": good, "title": "Élection 2023"})
    assert response.status_code == 302
    budget = Budget.objects.get(title="Élection 2023")
    assert budget.projects.count() > 0 and budget.ballots.count() > 0
    bad = SimpleUploadedFile("bad.pb", b"META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n1;abc\n")
    page = client.post(url(component, "import_pb"), {"file": bad}).content.decode()
    assert "line 6" in page
    assert Budget.objects.filter(component=component).count() == 1


def test_closed_vote_is_exported_from_the_list(component, client_for, admin_user):
    budget = services.budget_import_pb(
        component=component, by=None, text=(FIXTURES / "approval_small.pb").read_text(), title="Passé"
    )
    services.budget_close(budget=budget, by=None)
    page = client_for(admin_user).get(url(component, "manage")).content.decode()
    export = url(component, "export", budget_id=budget.pk)
    assert export in page
    assert client_for(admin_user).get(export).content.startswith(b"META")


def _accepted_proposal(consultation, title, cost, state="accepted"):
    proposal_model = apps.get_model("consultations", "Proposal")
    return proposal_model.objects.create(
        organisation=consultation.process.organisation,
        component=consultation,
        title=title,
        body="Installer cinq bancs à l'ombre des platanes le long du quai.",
        status="published",
        published_at=timezone.now(),
        answer_state=state,
        answer_cost=cost,
    )


def test_import_accepted_proposals_as_projects(component, client_for, admin_user, other_org):
    consultation = _component(component.process.organisation, "consultations", "Consultation")
    accepted = _accepted_proposal(consultation, "Des bancs sur le quai", 4200)
    _accepted_proposal(consultation, "Une piscine olympique", 9_000_000, state="rejected")
    no_cost = _accepted_proposal(consultation, "Des nichoirs", None)
    elsewhere = _accepted_proposal(_component(other_org, "consultations", "Ailleurs"), "Chez les voisins", 10)
    budget = services.budget_create(component=component, by=None, title="Ville", amount=100_000)
    client = client_for(admin_user)
    page = client.get(url(component, "import_items", budget_id=budget.pk)).content.decode()
    assert "Des bancs sur le quai" in page and "Des nichoirs" in page and "no cost estimate yet" in page
    assert "Une piscine olympique" not in page and elsewhere.title not in page
    ref = f"consultations.proposal:{accepted.public_id}"
    for _ in range(2):  # importing twice imports once
        response = client.post(
            url(component, "import_items", budget_id=budget.pk), {"source": consultation.pk, "items": [ref]}
        )
        assert response.status_code == 302
    project = Project.objects.get(budget=budget)
    assert (project.title, project.cost, project.status) == ("Des bancs sur le quai", 4200, "submitted")
    assert project.source_url == accepted.get_absolute_url()
    assert (
        "already imported" in client.get(url(component, "import_items", budget_id=budget.pk)).content.decode()
    )
    event = DecisionEvent.objects.get(object_id=str(project.pk))
    assert accepted.get_absolute_url() in event.body
    page = client.get(url(component, "review_project", public_id=project.public_id)).content.decode()
    assert accepted.get_absolute_url() in page
    # A proposal without a cost estimate cannot be imported; nothing changes.
    page = client.post(
        url(component, "import_items", budget_id=budget.pk),
        {"source": consultation.pk, "items": [f"consultations.proposal:{no_cost.public_id}"]},
    ).content.decode()
    assert "estimated cost" in page and Project.objects.filter(budget=budget).count() == 1
