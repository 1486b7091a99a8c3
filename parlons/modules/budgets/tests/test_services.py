"""Services of the budgets module: proposals, review, every ballot type, eligibility, close, export/import, spending."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from parlons.accounts.models import Membership
from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.core.services import component_add, component_publish, phase_create, process_create
from parlons.core.tests.factories import AreaFactory, UserFactory
from parlons.modules.budgets import pabulib, selectors, services, vote_rules
from parlons.modules.budgets.models import Ballot, Budget, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def component(org):
    process = process_create(organisation=org, by=None, title="Budget participatif 2026")
    process.visibility = "public"
    process.save()
    phase_create(process=process, by=None, title="Vote", is_current=True)
    return component_publish(component=component_add(process=process, by=None, module_key="budgets"), by=None)


def make_budget(component, *, costs=(40000, 30000, 20000), **kwargs):
    budget = services.budget_create(component=component, by=None, title="Budget", amount=100000, **kwargs)
    projects = []
    for n, cost in enumerate(costs):
        project = services.project_submit(
            budget=budget,
            by=None,
            title=f"Projet {n}",
            description="Une description assez longue du projet.",
            cost=cost,
        )
        projects.append(services.project_review(project=project, by=None, feasible=True))
    return services.budget_open(budget=budget, by=None), projects


def ids(projects, *indices):
    return [projects[i].public_id for i in indices]


def test_proposal_review_and_open(component, citizen, agent):
    budget = services.budget_create(component=component, by=None, title="Budget", amount=50000)
    project = services.project_submit(
        budget=budget,
        by=citizen,
        title="Des bancs",
        description="Des bancs le long de la rivière, à l'ombre.",
        cost=8000,
    )
    assert project.status == Project.Status.SUBMITTED and project.author == citizen
    with pytest.raises(Conflict):
        services.budget_open(budget=budget, by=None)
    with pytest.raises(PermissionDenied):
        services.project_review(project=project, by=citizen, feasible=True)
    with pytest.raises(ValidationFailed) as info:
        services.project_review(project=project, by=agent, feasible=False)
    assert info.value.field == "reason"
    reviewed = services.project_review(project=project, by=agent, feasible=True, cost=9000)
    assert (reviewed.status, reviewed.cost) == (Project.Status.FEASIBLE, 9000)
    services.budget_open(budget=budget, by=None)
    with pytest.raises(Conflict):
        services.project_submit(budget=budget, by=citizen, title="Trop tard", description="x" * 30, cost=10)
    with pytest.raises(Conflict):
        services.budget_set_rule(budget=budget, by=None, rule="greedy")


@pytest.mark.parametrize("cost", [0, -5, 1.5])
def test_cost_must_be_positive(component, citizen, cost):
    budget = services.budget_create(component=component, by=None, title="Budget", amount=50000)
    with pytest.raises(ValidationFailed) as info:
        services.project_submit(budget=budget, by=citizen, title="Gratuit", description="x" * 30, cost=cost)
    assert info.value.field == "cost"
    assert not Project.objects.exists()


def test_approval_ballot_replaced_never_added(component, citizen):
    budget, projects = make_budget(component, max_projects=2)
    services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 0))
    ballot = services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 1, 2))
    assert Ballot.objects.filter(budget=budget).count() == 1
    assert ballot.revision == 2
    assert [pk for pk, _ in ballot.choices] == [projects[1].pk, projects[2].pk]
    with pytest.raises(ValidationFailed, match="at most 2"):
        services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 0, 1, 2))
    with pytest.raises(ValidationFailed, match="at least 1"):
        services.ballot_cast(budget=budget, voter=citizen, choices=[])
    with pytest.raises(ValidationFailed, match="twice"):
        services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 0, 0))
    with pytest.raises(ValidationFailed, match="not on the ballot"):
        services.ballot_cast(budget=budget, voter=citizen, choices=["nope"])
    assert Ballot.objects.get(budget=budget).revision == 2  # nothing changed by the refused ballots


def test_knapsack_ballot(component, citizen):
    budget, projects = make_budget(
        component, ballot_type="knapsack", costs=(60000, 50000, 20000), min_share=50
    )
    with pytest.raises(ValidationFailed, match="more than the budget"):
        services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 0, 1))
    with pytest.raises(ValidationFailed, match="50%"):
        services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 2))
    services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 0, 2))


def test_cumulative_ballot(component, citizen):
    budget, projects = make_budget(component, ballot_type="cumulative", points=5)
    with pytest.raises(ValidationFailed) as info:
        services.ballot_cast(
            budget=budget, voter=citizen, choices={projects[0].public_id: 4, projects[1].public_id: 2}
        )
    assert info.value.field == "points"
    with pytest.raises(ValidationFailed):
        services.ballot_cast(budget=budget, voter=citizen, choices={projects[0].public_id: -1})
    ballot = services.ballot_cast(
        budget=budget, voter=citizen, choices={projects[0].public_id: 3, projects[1].public_id: 0}
    )
    assert ballot.choices == [[projects[0].pk, 3]]


def test_ranked_ballot(component, citizen):
    budget, projects = make_budget(component, ballot_type="ranked", top_k=2)
    with pytest.raises(ValidationFailed, match="at most 2"):
        services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 2, 0, 1))
    ballot = services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 2, 0))
    assert ballot.choices == [[projects[2].pk, 2], [projects[0].pk, 1]]


def test_eligibility_level_phase_district_and_open(component, org, citizen):
    unverified = UserFactory(verified=False)
    Membership.objects.create(organisation=org, user=unverified)
    budget, projects = make_budget(component)
    with pytest.raises(PermissionDenied, match=r"e-mail|E-mail"):
        services.ballot_cast(budget=budget, voter=unverified, choices=ids(projects, 0))
    north, south = AreaFactory(organisation=org), AreaFactory(organisation=org)
    budget.area = north
    budget.save()
    with pytest.raises(PermissionDenied, match=str(north)):
        services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 0))
    Membership.objects.filter(user=citizen).update(home_area=south)
    citizen._parlons_memberships = {}
    with pytest.raises(PermissionDenied, match=str(north)):
        services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 0))
    Membership.objects.filter(user=citizen).update(home_area=north)
    citizen._parlons_memberships = {}
    services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 0))
    # "Vote in all": the component lets everyone vote in every district's budget.
    component.settings = {**component.settings, "district_rule": "everyone"}
    component.save()
    budget = Budget.objects.get(pk=budget.pk)
    Membership.objects.filter(user=citizen).update(home_area=south)
    citizen._parlons_memberships = {}
    services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 1))
    # Outside the voting phase.
    other = phase_create(process=component.process, by=None, title="Résultats")
    component.permissions = {"vote": {"phases": [other.pk]}}
    component.save()
    budget = Budget.objects.get(pk=budget.pk)
    with pytest.raises(PermissionDenied):
        services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 0))


def test_assisted_in_person_ballots_follow_the_one_person_rule(component, agent, citizen):
    budget, projects = make_budget(component)
    key = services.in_person_key(full_name="Jeanne  Dupré-Martin", birth_date=date(1950, 3, 2))
    assert key == services.in_person_key(full_name="jeanne dupre martin", birth_date=date(1950, 3, 2))
    services.ballot_cast(
        budget=budget, voter=None, choices=ids(projects, 0), assisted_by=agent, person_key=key
    )
    services.ballot_cast(
        budget=budget, voter=None, choices=ids(projects, 1), assisted_by=agent, person_key=key
    )
    assert Ballot.objects.filter(budget=budget, channel="in_person").count() == 1
    with pytest.raises(PermissionDenied):
        services.ballot_cast(
            budget=budget, voter=None, choices=ids(projects, 0), assisted_by=citizen, person_key=key
        )


def test_close_computes_the_result_and_only_once(component, citizen, admin_user):
    budget, projects = make_budget(component, costs=(60000, 50000, 30000), rule="mes")
    for n in range(6):
        voter = citizen if n == 0 else UserFactory()
        if n:
            Membership.objects.create(organisation=component.process.organisation, user=voter)
        services.ballot_cast(budget=budget, voter=voter, choices=ids(projects, *(0, 2) if n < 4 else (1,)))
    with pytest.raises(PermissionDenied):
        services.budget_close(budget=budget, by=citizen)
    result = services.budget_close(budget=budget, by=admin_user)
    assert result.voters == 6
    # Projects 0 and 2 tie at 1/4 per unit of cost: 0 wins (smaller id); its 4 supporters keep 6,667 between
    # them, not enough for project 2; project 1's 2 supporters hold 33,333 < 50,000.
    assert result.winners == [projects[0].pk]
    assert result.explanation[0]["stage"] == "mes"
    assert Project.objects.get(pk=projects[1].pk).status == Project.Status.NOT_SELECTED
    with pytest.raises(Conflict):
        services.budget_close(budget=budget, by=admin_user)
    with pytest.raises(Conflict):
        services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 1))


def test_export_reproduces_the_result_and_import_replays_it(component, admin_user):
    budget, projects = make_budget(component, costs=(40000, 35000, 30000, 25000), rule="mes+add1+greedy")
    pattern = [(0, 1), (0,), (2, 3), (3,), (1, 2), (0, 3)]
    for n, chosen in enumerate(pattern):
        user = UserFactory()
        Membership.objects.create(organisation=component.process.organisation, user=user)
        services.ballot_cast(budget=budget, voter=user, choices=ids(projects, *chosen))
    result = services.budget_close(budget=budget, by=None)
    text = selectors.budget_export_pb(budget=Budget.objects.get(pk=budget.pk), seed=1)
    pb = pabulib.loads(text)
    assert len(pb.votes) == 6 and pb.meta["rule"] == "mes+add1+greedy"
    outcome = vote_rules.tally(pb.election(), "mes+add1+greedy")
    by_tally = {services.tally_id(p): p.pk for p in projects}
    assert [by_tally[t] for t in outcome.winners] == result.winners
    replay = services.budget_import_pb(component=component, by=admin_user, text=text, title="Rejeu")
    replayed = services.budget_close(budget=replay, by=None)
    assert sorted(Project.objects.get(pk=pk).external_id for pk in replayed.winners) == sorted(
        outcome.winners
    )
    with pytest.raises(ValidationFailed) as info:
        services.budget_import_pb(
            component=component, by=admin_user, text="META\nkey;value\nbudget;x\nPROJECTS\n"
        )
    assert info.value.field == "file" and "line 4" in str(info.value)


def test_execution_follow_up(component, agent, citizen):
    budget, projects = make_budget(component, rule="greedy", costs=(60000, 50000, 20000))
    services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 0))
    result = services.budget_close(budget=budget, by=None)
    winner = Project.objects.get(pk=result.winners[0])
    loser = Project.objects.exclude(pk__in=result.winners).filter(budget=budget).first()
    with pytest.raises(Conflict):
        services.spending_record(
            project=loser, by=agent, amount=Decimal("10"), on=date(2026, 1, 1), supplier="X"
        )
    with pytest.raises(PermissionDenied):
        services.spending_record(
            project=winner, by=citizen, amount=Decimal("10"), on=date(2026, 1, 1), supplier="X"
        )
    with pytest.raises(ValidationFailed) as info:
        services.spending_record(
            project=winner, by=agent, amount=Decimal("0"), on=date(2026, 1, 1), supplier="X"
        )
    assert info.value.field == "amount"
    event = services.spending_record(
        project=winner, by=agent, amount=Decimal("1200.50"), on=date(2026, 1, 1), supplier="Pépinières Roux"
    )
    assert event.project.pk == winner.pk
    assert Project.objects.get(pk=winner.pk).status == Project.Status.IN_PROGRESS
    milestone = services.milestone_add(project=winner, by=agent, title="Plantation")
    done = services.project_progress(project=winner, by=agent, progress=100, milestone_done=milestone)
    assert done.status == Project.Status.DELIVERED
    assert selectors.spending_total(project=winner) == Decimal("1200.50")


def test_seed_is_idempotent_and_goes_through_every_phase(component):
    from parlons.modules.budgets.seed import seed_component

    seed_component(component)
    seed_component(component)
    past, current = Budget.objects.filter(component=component).order_by("position")
    assert past.status == Budget.Status.CLOSED and past.result.winners
    assert Project.objects.filter(budget=past, status=Project.Status.DELIVERED).exists()
    assert current.status == Budget.Status.OPEN
