"""Reads of the budgets module, always scoped to one organisation through the component."""

from __future__ import annotations

import random
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from parlons.common.errors import NotFound
from parlons.core.models import Component
from parlons.modules.budgets import pabulib
from parlons.modules.budgets.models import Ballot, Budget, Project, Result, SpendingEvent
from parlons.modules.budgets.services import ON_BALLOT, tally_id, voter_key

PUBLIC_STATUSES = [s for s in Project.Status.values if s != Project.Status.SUBMITTED]


def budget_list(*, component: Component) -> QuerySet[Budget]:
    return (
        Budget.objects.for_organisation(component.process.organisation)
        .filter(component=component)
        .select_related("area")
        .annotate(ballot_count=Count("ballots", distinct=True))
    )


def access_budget(*, component: Component, budget_id: int) -> Budget:
    budget = budget_list(component=component).filter(pk=budget_id).first()
    if budget is None:
        raise NotFound("budget")
    budget.component = component
    return budget


def project_list(
    *,
    component: Component,
    budget: Budget | None = None,
    area_id: int | None = None,
    status: str = "",
    query: str = "",
    include_submitted: bool = False,
) -> QuerySet[Project]:
    """Projects of the component (public ones unless ``include_submitted``), filtered; budget and district joined."""
    qs = (
        Project.objects.for_organisation(component.process.organisation)
        .filter(budget__component=component)
        .select_related("budget", "area")
    )
    if not include_submitted:
        qs = qs.filter(status__in=PUBLIC_STATUSES)
    if budget is not None:
        qs = qs.filter(budget=budget)
    if area_id:
        qs = qs.filter(area_id=area_id)
    if status:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(description__icontains=query))
    return qs


def access_project(*, component: Component, public_id: str, user: Any = None, staff: bool = False) -> Project:
    """A public project, or a submitted one for its author and the staff."""
    project = project_list(component=component, include_submitted=True).filter(public_id=public_id).first()
    if project is None:
        raise NotFound("project")
    if (
        project.status == Project.Status.SUBMITTED
        and not staff
        and not (user and project.author_id == user.pk)
    ):
        raise NotFound("project")
    project.budget.component = component
    return project


def review_queue(*, component: Component) -> QuerySet[Project]:
    return project_list(component=component, include_submitted=True).filter(status=Project.Status.SUBMITTED)


def ballot_get(*, budget: Budget, user: Any) -> Ballot | None:
    if user is None or not user.is_authenticated:
        return None
    organisation = budget.component.process.organisation
    return (
        Ballot.objects.for_organisation(organisation)
        .filter(Q(voter=user) | Q(voter_key=voter_key(user, organisation)), budget=budget)
        .order_by("pk")
        .first()
    )


def ballot_count(*, budget: Budget) -> int:
    return Ballot.objects.filter(budget=budget).count()


def result_get(*, budget: Budget) -> Result | None:
    return (
        Result.objects.for_organisation(budget.component.process.organisation).filter(budget=budget).first()
    )


def spending_total(*, project: Project) -> Any:
    return SpendingEvent.objects.filter(project=project).aggregate(total=Sum("amount"))["total"] or 0


def budget_export_pb(*, budget: Budget, seed: int | None = None) -> str:
    """The vote as a Pabulib file: anyone can recompute the result with ``parlons budget_tally``.

    Voters are numbered in a shuffled order, so the file says nothing about who voted or when."""
    projects = list(budget.projects.filter(status__in=ON_BALLOT).order_by("pk"))
    ident = {p.pk: tally_id(p) for p in projects}
    result = result_get(budget=budget)
    winners = set(result.winners) if result else set()
    rows = list(Ballot.objects.filter(budget=budget).values_list("choices", flat=True))
    random.Random(seed).shuffle(rows)
    kind = budget.ballot_type
    vote_type = {"cumulative": "cumulative", "ranked": "ordinal"}.get(kind, "approval")
    meta: dict[str, object] = {
        "description": budget.title,
        "country": "France",
        "unit": budget.component.process.organisation.name,
        "instance": budget.component.process.slug,
        "num_projects": len(projects),
        "num_votes": len(rows),
        "budget": budget.amount,
        "vote_type": vote_type,
        "rule": budget.rule,
        "currency": budget.currency,
    }
    if kind == Budget.BallotType.KNAPSACK:
        meta["max_sum_cost"] = budget.amount
    if kind == Budget.BallotType.CUMULATIVE:
        meta["max_sum_points"] = budget.points
    if kind == Budget.BallotType.APPROVAL:
        meta["min_length"] = budget.min_projects
        if budget.max_projects:
            meta["max_length"] = budget.max_projects
    votes: list[pabulib.PbVote] = []
    for n, choices in enumerate(rows, start=1):
        kept = [(ident[pk], points) for pk, points in choices if pk in ident]
        if kind == Budget.BallotType.RANKED:
            kept.sort(key=lambda item: -item[1])
        votes.append(
            pabulib.PbVote(
                voter_id=str(n),
                projects=tuple(i for i, _p in kept),
                points=tuple(p for _i, p in kept) if kind == Budget.BallotType.CUMULATIVE else None,
            )
        )
    supporters: dict[int, int] = {}
    for choices in rows:
        for pk, points in choices:
            if points > 0:
                supporters[pk] = supporters.get(pk, 0) + 1
    project_rows = [
        {
            "project_id": ident[p.pk],
            "cost": p.cost,
            "votes": supporters.get(p.pk, 0),
            "name": p.title,
            "selected": int(p.pk in winners),
        }
        for p in projects
    ]
    return pabulib.dumps(meta=meta, projects=project_rows, votes=votes)


def is_assisted_receipt(budget: Budget, code: str) -> bool:
    """True when ``code`` is the receipt of an in-person ballot of this budget (shown to the desk's agent)."""
    return (
        bool(code)
        and Ballot.objects.filter(budget=budget, receipt_code=code, assisted_by__isnull=False).exists()
    )
