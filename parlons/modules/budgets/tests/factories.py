from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory

from parlons.core.tests.factories import ComponentFactory, ProcessFactory
from parlons.modules.budgets.models import (
    Ballot,
    Budget,
    Milestone,
    Project,
    ProjectPhoto,
    Result,
    SpendingEvent,
)


class BudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Budget

    component = factory.SubFactory(ComponentFactory, module_key="budgets", name="Budget participatif")
    title = factory.Sequence(lambda n: f"Budget {n}")
    amount = 100000
    status = Budget.Status.OPEN


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    budget = factory.SubFactory(BudgetFactory)
    title = factory.Sequence(lambda n: f"Projet {n}")
    description = "Un projet pour le quartier, avec des arbres et des bancs."
    cost = 20000
    status = Project.Status.FEASIBLE


def _component(org):
    return ComponentFactory(
        process=ProcessFactory(organisation=org), module_key="budgets", name="Budget participatif"
    )


def _budget(org):
    return BudgetFactory(component=_component(org))


def _project(org, **kwargs):
    return ProjectFactory(budget=_budget(org), **kwargs)


def _ballot(org):
    project = _project(org)
    return Ballot.objects.create(budget=project.budget, voter_key="ftest", choices=[[project.pk, 1]])


def _result(org):
    return Result.objects.create(budget=_budget(org), rule="mes")


def _milestone(org):
    return Milestone.objects.create(project=_project(org, status=Project.Status.SELECTED), title="Étude")


def _spending(org):
    return SpendingEvent.objects.create(
        project=_project(org, status=Project.Status.SELECTED),
        amount=Decimal("100.00"),
        date=date(2026, 1, 5),
        supplier="Entreprise",
    )


def _photo(org):
    return ProjectPhoto.objects.create(
        project=_project(org, status=Project.Status.SELECTED),
        file="budgets/photos/works.jpg",
        content_hash="0" * 64,
        alt_text="Le chantier du square",
    )


TENANT_BUILDERS = {
    "budgets.Budget": _budget,
    "budgets.Project": _project,
    "budgets.Ballot": _ballot,
    "budgets.Result": _result,
    "budgets.Milestone": _milestone,
    "budgets.SpendingEvent": _spending,
    "budgets.ProjectPhoto": _photo,
}
