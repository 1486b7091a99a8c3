"""The module's API router, mounted at ``/api/v1/components/{component_id}/budgets/``.

The core hands over the checked component as ``request.component``; domain errors become the API's JSON errors.
Reads are public (visible projects only); a person's own ballot needs a signed-in caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from parlons.api import auth
from parlons.api.pagination import PageNumberPagination
from parlons.common.errors import NotFound
from parlons.core.routing import component_reverse
from parlons.modules.budgets import selectors, services
from parlons.modules.budgets.models import Ballot, Budget, Project


class BudgetOut(Schema):
    id: int
    title: str
    description: str
    amount: int
    currency: str
    district: str | None
    status: str = Field(..., description="draft (in preparation), open (voting) or closed")
    ballot_type: str = Field(..., description="approval, knapsack, cumulative or ranked")
    min_projects: int
    max_projects: int = Field(..., description="0: no limit")
    min_share: int = Field(..., description="knapsack: least share of the amount a ballot spends (%)")
    points: int = Field(..., description="cumulative: points to share out")
    top_k: int = Field(..., description="ranked: how many projects may be ranked")
    rule: str = Field(..., description="greedy, greedy-stop, mes, mes+greedy, mes+add1 or mes+add1+greedy")
    tie_break: str = Field(..., description="id (first submitted) or cost (cheaper first)")
    opened_at: datetime | None
    closed_at: datetime | None
    url: str


class ProjectOut(Schema):
    id: str
    budget: int
    title: str
    description: str
    cost: int
    status: str
    district: str | None
    lon: float | None
    lat: float | None
    progress: int = Field(..., description="execution progress (%)")
    review_reason: str
    source_url: str = Field(..., description="the accepted proposal it was imported from, if any")
    url: str


class ResultLine(Schema):
    project: str
    won: bool
    cost: int
    votes: int
    round: int | None = Field(None, description="the round in which it was funded")
    stage: str | None = Field(None, description="mes or greedy")
    price: float | None = Field(None, description="MES: the most one supporter paid")
    paid_in_full: int | None = Field(None, description="MES: supporters who paid that price")


class ResultOut(Schema):
    budget: int
    rule: str
    tie_break: str
    amount: int
    cost: int
    left: int
    voters: int
    per_voter_share: str = Field(..., description="MES: each voter's share, an exact fraction")
    winners: list[str] = Field(..., description="project ids in order of selection")
    projects: list[ResultLine]
    export_url: str = Field(..., description="the ballots as a Pabulib file, to recount")


class BallotOut(Schema):
    budget: int
    choices: dict[str, int] = Field(..., description="project id -> points (1 for approval; rank score)")
    revision: int = Field(..., description="1, then +1 each time the ballot is replaced")
    receipt_code: str
    updated_at: datetime | None


class BallotIn(Schema):
    projects: list[str] = Field(
        default_factory=list, description="approval, knapsack: chosen project ids; ranked: ids, best first"
    )
    points: dict[str, int] | None = Field(None, description="cumulative ballots: project id -> points")


def budget_out(request: HttpRequest, budget: Budget) -> dict[str, Any]:
    return {
        "id": budget.pk,
        "title": budget.title,
        "description": budget.description,
        "amount": budget.amount,
        "currency": budget.currency,
        "district": budget.area.name if budget.area else None,
        "status": budget.status,
        "ballot_type": budget.ballot_type,
        "min_projects": budget.min_projects,
        "max_projects": budget.max_projects,
        "min_share": budget.min_share,
        "points": budget.points,
        "top_k": budget.top_k,
        "rule": budget.rule,
        "tie_break": budget.tie_break,
        "opened_at": budget.opened_at,
        "closed_at": budget.closed_at,
        "url": request.build_absolute_uri(budget.get_absolute_url()),
    }


def project_out(request: HttpRequest, project: Project) -> dict[str, Any]:
    return {
        "id": project.public_id,
        "budget": project.budget_id,
        "title": project.title,
        "description": project.description,
        "cost": project.cost,
        "status": project.status,
        "district": project.area.name if project.area else None,
        "lon": project.location.x if project.location else None,
        "lat": project.location.y if project.location else None,
        "progress": project.progress,
        "review_reason": project.review_reason,
        "source_url": project.source_url,
        "url": request.build_absolute_uri(project.get_absolute_url()),
    }


def _budget(request: HttpRequest, budget_id: str | int) -> Budget:
    """The budget of the path (ids are numbers; anything else is not found)."""
    if not str(budget_id).isdigit():
        raise NotFound("budget")
    return selectors.access_budget(component=request.component, budget_id=int(budget_id))  # type: ignore[attr-defined]


def _ballot_out(budget: Budget, ballot: Ballot) -> dict[str, Any]:
    ids = dict(
        Project.objects.filter(budget=budget, pk__in=[pk for pk, _p in ballot.choices]).values_list(
            "pk", "public_id"
        )
    )
    return {
        "budget": budget.pk,
        "choices": {ids[pk]: points for pk, points in ballot.choices if pk in ids},
        "revision": ballot.revision,
        "receipt_code": ballot.receipt_code,
        "updated_at": ballot.updated_at,
    }


class _Mapped(Sequence[dict[str, Any]]):
    """A queryset seen as a sequence of API dicts: the paginator counts it and slices one page of it."""

    def __init__(self, qs: QuerySet[Project], out: Callable[[Project], dict[str, Any]]) -> None:
        self.qs, self.out = qs, out

    def __len__(self) -> int:
        return self.qs.count()

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self.out(p) for p in self.qs[index]]
        return self.out(self.qs[index])


def build_router() -> Router:
    router = Router()

    @router.get("/budgets", response=list[BudgetOut], summary="The budgets of the component")
    @paginate(PageNumberPagination)
    def budget_list(request: HttpRequest) -> list[dict[str, Any]]:
        component = request.component  # type: ignore[attr-defined]
        budgets = selectors.budget_list(component=component).select_related("component__process")
        return [budget_out(request, b) for b in budgets]

    @router.get("/budgets/{budget_id}", response=BudgetOut, summary="One budget: amount, ballot and rule")
    def budget_detail(request: HttpRequest, budget_id: str) -> dict[str, Any]:
        return budget_out(request, _budget(request, budget_id))

    @router.get(
        "/projects", response=list[ProjectOut], summary="Public projects (reviewed), optionally of one budget"
    )
    @paginate(PageNumberPagination)
    def project_list(request: HttpRequest, budget: int | None = None, status: str = "") -> Any:
        component = request.component  # type: ignore[attr-defined]
        chosen = _budget(request, budget) if budget is not None else None
        qs = selectors.project_list(
            component=component,
            budget=chosen,
            status=status if status in selectors.PUBLIC_STATUSES else "",
        ).select_related("budget__component__process")
        return _Mapped(qs.order_by("pk"), lambda p: project_out(request, p))

    @router.get("/projects/{public_id}", response=ProjectOut, summary="One project")
    def project_detail(request: HttpRequest, public_id: str) -> dict[str, Any]:
        project = selectors.access_project(
            component=request.component,  # type: ignore[attr-defined]
            public_id=public_id,
            user=request.user,
        )
        return project_out(request, project)

    @router.get(
        "/budgets/{budget_id}/result",
        response=ResultOut,
        summary="The result of a closed vote: winners, votes, costs, money left, and why each project won",
    )
    def budget_result(request: HttpRequest, budget_id: str) -> dict[str, Any]:
        budget = _budget(request, budget_id)
        result = selectors.result_get(budget=budget)
        if result is None or budget.status != Budget.Status.CLOSED:
            raise NotFound("result")
        projects = {p.pk: p for p in selectors.project_list(component=budget.component, budget=budget)}
        explained = {line["project"]: line for line in result.explanation}
        winners = [projects[pk].public_id for pk in result.winners if pk in projects]
        lines = []
        for pk, project in projects.items():
            why = explained.get(pk) or {}
            lines.append(
                {
                    "project": project.public_id,
                    "won": pk in result.winners,
                    "cost": project.cost,
                    "votes": result.votes.get(str(pk), 0),
                    "round": why.get("round"),
                    "stage": why.get("stage"),
                    "price": why.get("price"),
                    "paid_in_full": why.get("paid_in_full"),
                }
            )
        lines.sort(key=lambda line: (not line["won"], -line["votes"], line["project"]))
        export = component_reverse(budget.component, "export", budget_id=budget.pk)
        return {
            "budget": budget.pk,
            "rule": result.rule,
            "tie_break": budget.tie_break,
            "amount": budget.amount,
            "cost": result.cost,
            "left": budget.amount - result.cost,
            "voters": result.voters,
            "per_voter_share": result.per_voter_share,
            "winners": winners,
            "projects": lines,
            "export_url": request.build_absolute_uri(export),
        }

    @router.get(
        "/budgets/{budget_id}/ballot",
        response=BallotOut,
        auth=auth.AUTHENTICATED,
        summary="My ballot in this budget (404 when I have not voted)",
    )
    def my_ballot(request: HttpRequest, budget_id: str) -> dict[str, Any]:
        budget = _budget(request, budget_id)
        ballot = selectors.ballot_get(budget=budget, user=request.user)
        if ballot is None:
            raise NotFound("ballot")
        return _ballot_out(budget, ballot)

    @router.put(
        "/budgets/{budget_id}/ballot",
        response={200: BallotOut},
        auth=auth.AUTHENTICATED,
        summary="Cast my ballot; a later ballot replaces the earlier one until the vote closes",
    )
    def cast_ballot(request: HttpRequest, budget_id: str, payload: BallotIn) -> Status:
        budget = _budget(request, budget_id)
        choices: list[str] | dict[str, int] = payload.projects
        if budget.ballot_type == Budget.BallotType.CUMULATIVE:
            choices = payload.points or {}
        ballot = services.ballot_cast(budget=budget, voter=request.user, choices=choices)
        stored = Ballot.objects.get(pk=ballot.pk)
        return Status(200, _ballot_out(budget, stored))

    return router
