"""Writes of the budgets module. ``ballot_cast``, ``budget_close`` and ``spending_record`` are the boundary the
transparency log will hook into: each returns the row it wrote, inside one transaction."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parlons.accounts.models import Membership
from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.core.models import Area, Component
from parlons.modules.budgets import pabulib, transparency, vote_rules
from parlons.modules.budgets.models import Ballot, Budget, Milestone, Project, Result, SpendingEvent
from parlons.modules.budgets.permissions import can_propose, require_staff, vote_decision

ON_BALLOT = (
    Project.Status.FEASIBLE,
    Project.Status.SELECTED,
    Project.Status.NOT_SELECTED,
    Project.Status.IN_PROGRESS,
    Project.Status.DELIVERED,
)
FUNDED = (Project.Status.SELECTED, Project.Status.IN_PROGRESS, Project.Status.DELIVERED)


def tally_id(project: Project) -> str:
    """The project id used by the vote rules and in exported files. Ties go to the smallest id, so to the
    project submitted first (or, for an imported budget, to the smallest id of the file)."""
    return project.external_id or f"{project.pk:08d}"


@transaction.atomic
def budget_create(
    *,
    component: Component,
    by: Any,
    title: str,
    amount: int,
    ballot_type: str = Budget.BallotType.APPROVAL,
    rule: str = Budget.Rule.MES_ADD1_GREEDY,
    area: Area | None = None,
    description: str = "",
    min_projects: int = 1,
    max_projects: int = 0,
    min_share: int = 0,
    points: int = 10,
    top_k: int = 3,
    currency: str = "EUR",
) -> Budget:
    """Create a budget in preparation. Administrators only (``by=None``: the system). Raises ValidationFailed."""
    require_staff(by, component, admin=True)
    title = title.strip()
    if not title:
        raise ValidationFailed(_("A budget needs a title."), field="title")
    if amount <= 0:
        raise ValidationFailed(_("The amount must be positive."), field="amount")
    if ballot_type not in Budget.BallotType.values:
        raise ValidationFailed(_("Unknown ballot type."), field="ballot_type")
    if rule not in Budget.Rule.values:
        raise ValidationFailed(_("Unknown counting rule."), field="rule")
    if max_projects and max_projects < min_projects:
        raise ValidationFailed(_("The maximum cannot be below the minimum."), field="max_projects")
    if area is not None and area.organisation_id != component.process.organisation_id:
        raise ValidationFailed(_("Unknown district."), field="area")
    if not 0 <= min_share <= 100:
        raise ValidationFailed(_("The minimum share is a percentage."), field="min_share")
    if points < 1 or top_k < 1:
        raise ValidationFailed(_("At least one point and one rank are needed."), field="points")
    return Budget.objects.create(
        component=component,
        title=title,
        description=description.strip(),
        amount=amount,
        currency=currency,
        ballot_type=ballot_type,
        rule=rule,
        area=area,
        min_projects=min_projects,
        max_projects=max_projects,
        min_share=min_share,
        points=points,
        top_k=top_k,
        position=Budget.objects.filter(component=component).count(),
    )


@transaction.atomic
def budget_set_rule(*, budget: Budget, by: Any, rule: str) -> Budget:
    """Change the counting rule, only while the budget is in preparation (the rule is public before the vote)."""
    require_staff(by, budget.component, admin=True)
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    if budget.status != Budget.Status.DRAFT:
        raise Conflict(_("The counting rule cannot change once voting has opened."), field="rule")
    if rule not in Budget.Rule.values:
        raise ValidationFailed(_("Unknown counting rule."), field="rule")
    budget.rule = rule
    budget.save(update_fields=["rule", "updated_at"])
    return budget


@transaction.atomic
def budget_open(*, budget: Budget, by: Any) -> Budget:
    """Open the vote. Needs at least one feasible project and no project awaiting review."""
    require_staff(by, budget.component, admin=True)
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    if budget.status != Budget.Status.DRAFT:
        raise Conflict(_("This vote has already been opened."))
    if budget.projects.filter(status=Project.Status.SUBMITTED).exists():
        raise Conflict(_("Some projects still await their feasibility review."))
    if not budget.projects.filter(status=Project.Status.FEASIBLE).exists():
        raise Conflict(_("There is no feasible project to vote on."))
    budget.status, budget.opened_at = Budget.Status.OPEN, timezone.now()
    budget.save(update_fields=["status", "opened_at", "updated_at"])
    transparency.log_vote_opened(budget, eligible=_eligible_count(budget))
    return budget


def _eligible_count(budget: Budget) -> int:
    """The size of the census committed at opening: the organisation's members (online voters)."""
    return Membership.objects.filter(organisation=budget.component.process.organisation).count()


@transaction.atomic
def project_submit(
    *,
    budget: Budget,
    by: Any,
    title: str,
    description: str,
    cost: int,
    area: Area | None = None,
    location: Any = None,
    image: UploadedFile | None = None,
    image_alt: str = "",
) -> Project:
    """A citizen proposes a project while the budget is in preparation. Needs the ``propose`` permission.

    Raises PermissionDenied, Conflict (vote already open) or ValidationFailed (field named)."""
    if by is not None:
        decision = can_propose(by, budget.component)
        if not decision:
            raise PermissionDenied(decision.reason)
    # Locked so that no proposal lands after the vote opens.
    if Budget.objects.select_for_update().get(pk=budget.pk).status != Budget.Status.DRAFT:
        raise Conflict(_("Projects can only be proposed before the vote opens."))
    title, description = title.strip(), description.strip()
    if not title:
        raise ValidationFailed(_("Give your project a title."), field="title")
    if len(description) < 20:
        raise ValidationFailed(_("Describe your project in a few sentences."), field="description")
    _check_cost(cost)
    if area is not None and area.organisation_id != budget.component.process.organisation_id:
        raise ValidationFailed(_("Unknown district."), field="area")
    if image is not None and image.size and image.size > 5 * 1024 * 1024:
        raise ValidationFailed(_("The image is larger than 5 MB."), field="image")
    return Project.objects.create(
        budget=budget,
        title=title,
        description=description,
        cost=cost,
        area=area or budget.area,
        location=location,
        image=image or "",
        image_alt=image_alt.strip(),
        author=by,
    )


def _check_cost(cost: Any, field: str = "cost") -> None:
    if not isinstance(cost, int) or isinstance(cost, bool) or cost <= 0:
        raise ValidationFailed(_("The cost must be a positive whole amount."), field=field)


@transaction.atomic
def project_review(
    *, project: Project, by: Any, feasible: bool, reason: str = "", cost: int | None = None
) -> Project:
    """The services' feasibility review: feasible (optionally with a revised cost) or not, with a public reason.

    Staff only; only before the vote opens. A project found not feasible needs a reason."""
    require_staff(by, project.budget.component)
    project = Project.objects.select_for_update().select_related("budget").get(pk=project.pk)
    if project.budget.status != Budget.Status.DRAFT:
        raise Conflict(_("Reviews are closed once the vote has opened."))
    reason = reason.strip()
    if not feasible and not reason:
        raise ValidationFailed(_("Explain publicly why the project is not feasible."), field="reason")
    if cost is not None:
        _check_cost(cost)
        project.cost = cost
    project.status = Project.Status.FEASIBLE if feasible else Project.Status.NOT_FEASIBLE
    project.review_reason, project.reviewed_at, project.reviewed_by = reason, timezone.now(), by
    project.save()
    return project


def in_person_key(*, full_name: str, birth_date: date) -> str:
    """The one-person key of someone voting in person: an HMAC of their normalised name and birth date, so the
    same person cannot vote twice at two desks, and no name is stored."""
    name = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode().lower()
    name = " ".join(name.replace("-", " ").split())
    message = f"{name}|{birth_date.isoformat()}".encode()
    return "p" + hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:40]


def _ballot_projects(budget: Budget) -> dict[str, tuple[int, int]]:
    """public id -> (pk, cost) of the projects on the ballot, memoised on the instance (fixed once open)."""
    cached = getattr(budget, "_ballot_projects", None)
    if cached is None:
        cached = {
            public_id: (pk, cost)
            for public_id, pk, cost in budget.projects.filter(status__in=ON_BALLOT).values_list(
                "public_id", "pk", "cost"
            )
        }
        budget._ballot_projects = cached  # type: ignore[attr-defined]
    return cached


def _clean_choices(budget: Budget, choices: Sequence[str] | Mapping[str, int]) -> list[list[int]]:
    """Check a ballot against the budget's ballot type; return ``[[project pk, points], ...]``."""
    projects = _ballot_projects(budget)
    if isinstance(choices, Mapping):
        items = [(str(k), v) for k, v in choices.items()]
    else:
        items = [(str(k), 1) for k in choices]
    seen: set[str] = set()
    for key, _points in items:
        if key not in projects:
            raise ValidationFailed(_("This project is not on the ballot."), field="projects")
        if key in seen:
            raise ValidationFailed(_("A project appears twice on the ballot."), field="projects")
        seen.add(key)
    kind = budget.ballot_type
    if kind == Budget.BallotType.CUMULATIVE:
        for _key, points in items:
            if not isinstance(points, int) or isinstance(points, bool) or points < 0:
                raise ValidationFailed(_("Points are whole numbers, zero or more."), field="points")
        items = [(k, p) for k, p in items if p > 0]
        total = sum(p for _k, p in items)
        if total == 0:
            raise ValidationFailed(_("Give at least one point."), field="points")
        if total > budget.points:
            raise ValidationFailed(
                _("You gave %(given)d points; you have %(max)d.") % {"given": total, "max": budget.points},
                field="points",
            )
        return [[projects[k][0], p] for k, p in items]
    if kind == Budget.BallotType.RANKED:
        if not items:
            raise ValidationFailed(_("Rank at least one project."), field="projects")
        if len(items) > budget.top_k:
            raise ValidationFailed(
                _("Rank at most %(max)d projects.") % {"max": budget.top_k}, field="projects"
            )
        return [[projects[k][0], len(items) - r] for r, (k, _p) in enumerate(items)]
    count = len(items)
    if count < max(budget.min_projects, 1):
        raise ValidationFailed(
            _("Choose at least %(min)d project(s).") % {"min": max(budget.min_projects, 1)}, field="projects"
        )
    if budget.max_projects and count > budget.max_projects:
        raise ValidationFailed(
            _("Choose at most %(max)d projects.") % {"max": budget.max_projects}, field="projects"
        )
    if kind == Budget.BallotType.KNAPSACK:
        spent = sum(projects[k][1] for k, _p in items)
        if spent > budget.amount:
            raise ValidationFailed(_("Your choice costs more than the budget."), field="projects")
        if spent * 100 < budget.min_share * budget.amount:
            raise ValidationFailed(
                _("Spend at least %(share)d%% of the budget.") % {"share": budget.min_share}, field="projects"
            )
    return [[projects[k][0], 1] for k, _p in items]


def _upsert_ballot(
    *, budget: Budget, key: str, voter: Any, channel: str, assisted_by: Any, choices: list
) -> tuple[int, int] | None:
    """Insert or replace the person's ballot in one statement, only while the budget is open.

    Returns (id, revision), or None when the budget is not open. On PostgreSQL the statement runs under a shared
    advisory lock on the budget: ballots proceed in parallel, while ``budget_close`` takes the lock exclusively,
    so it waits for ballots in flight and later ones see the vote closed (a row lock on the budget would make
    every concurrent ballot rewrite that row). The unique (budget, voter_key) constraint and ``ON CONFLICT``
    make concurrent ballots of one person replace each other.
    """
    ballot_table, budget_table = Ballot._meta.db_table, Budget._meta.db_table
    now = timezone.now()
    sql = (
        f"INSERT INTO {ballot_table} (budget_id, voter_id, voter_key, channel, assisted_by_id, choices, revision,"  # noqa: S608
        " receipt_code, created_at, updated_at)"
        f" SELECT b.id, %s, %s, %s, %s, %s, 1, '', %s, %s FROM {budget_table} b WHERE b.id = %s AND b.status = %s"
        " ON CONFLICT (budget_id, voter_key) DO UPDATE SET choices = excluded.choices, channel = excluded.channel,"
        f" assisted_by_id = excluded.assisted_by_id, revision = {ballot_table}.revision + 1,"
        " updated_at = excluded.updated_at RETURNING id, revision"
    )
    params = [
        getattr(voter, "pk", None),
        key,
        channel,
        getattr(assisted_by, "pk", None),
        json.dumps(choices),
        now,
        now,
        budget.pk,
        Budget.Status.OPEN,
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [_LOCK_SPACE, budget.pk])
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


# First key of the advisory locks taken on budgets (the second is the budget id).
_LOCK_SPACE = 0x5042  # "PB"


def _lock_budget_exclusively(budget: Budget) -> Budget:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, budget.pk])
    return Budget.objects.select_for_update().get(pk=budget.pk)


@transaction.atomic
def ballot_cast(
    *,
    budget: Budget,
    voter: Any,
    choices: Sequence[str] | Mapping[str, int],
    assisted_by: Any = None,
    person_key: str = "",
    residence: Area | None = None,
) -> Ballot:
    """Record a person's ballot; a later ballot of the same person replaces the earlier one (never adds).

    Online: ``voter`` is the user; eligibility is the ``vote`` permission (phase, verification level) and the
    district of residence. In person: ``assisted_by`` is the agent, ``person_key`` comes from ``in_person_key``
    and ``residence`` is the district the agent checked. ``choices``: project public ids (in rank order for
    ranked ballots) or ``{public id: points}`` for cumulative ballots.
    Raises PermissionDenied, Conflict (vote not open) or ValidationFailed (``projects``/``points``)."""
    if assisted_by is not None:
        require_staff(assisted_by, budget.component)
        if not person_key.startswith("p"):
            raise ValidationFailed(_("Identify the person voting."), field="full_name")
        if budget.area_id and (residence is None or residence.pk != budget.area_id):
            raise PermissionDenied(_("This vote is for residents of %(area)s.") % {"area": budget.area})
        key, channel, voter = person_key, Ballot.Channel.IN_PERSON, None
    else:
        decision = vote_decision(voter, budget)
        if not decision:
            raise PermissionDenied(decision.reason)
        key, channel = f"u{voter.pk}", Ballot.Channel.ONLINE
    cleaned = _clean_choices(budget, choices)
    written = _upsert_ballot(
        budget=budget, key=key, voter=voter, channel=channel, assisted_by=assisted_by, choices=cleaned
    )
    if written is None:
        raise Conflict(_("This vote is not open."))
    ballot = Ballot(
        pk=written[0],
        revision=written[1],
        budget=budget,
        voter=voter,
        voter_key=key,
        channel=channel,
        assisted_by=assisted_by,
        choices=cleaned,
    )
    ballot.receipt_code = transparency.log_ballot(budget, ballot)
    return ballot


def budget_election(budget: Budget) -> tuple[vote_rules.Election, dict[str, Project]]:
    """The tally input of a budget: the projects on the ballot and every current ballot's supported projects."""
    projects = {tally_id(p): p for p in budget.projects.filter(status__in=ON_BALLOT).order_by("pk")}
    by_pk = {p.pk: t for t, p in projects.items()}
    ballots = [
        [by_pk[pk] for pk, points in choices if points > 0 and pk in by_pk]
        for choices in Ballot.objects.filter(budget=budget).values_list("choices", flat=True).iterator(2000)
    ]
    election = vote_rules.Election(
        budget=budget.amount, costs={t: p.cost for t, p in projects.items()}, ballots=ballots
    )
    return election, projects


@transaction.atomic
def budget_close(*, budget: Budget, by: Any) -> Result:
    """Close the vote and compute the result with the rule fixed before opening; winners become ``selected``.

    Administrators only (``by=None``: the system). Raises Conflict when the vote is not open."""
    require_staff(by, budget.component, admin=True)
    budget = _lock_budget_exclusively(budget)
    if budget.status != Budget.Status.OPEN:
        raise Conflict(_("Only an open vote can be closed."))
    election, projects = budget_election(budget)
    started = time.perf_counter()
    outcome = vote_rules.tally(election, budget.rule)
    seconds = time.perf_counter() - started
    winners = [projects[t].pk for t in outcome.winners]
    explanation = [
        {
            "project": projects[line.project_id].pk,
            "round": line.round,
            "stage": line.stage,
            "cost": int(line.cost),
            "supporters": line.supporters,
            "price": line.price_per_supporter,
            "paid_in_full": line.paid_in_full,
        }
        for line in outcome.explanation
    ]
    result = Result.objects.create(
        budget=budget,
        rule=budget.rule,
        winners=winners,
        cost=int(outcome.cost),
        voters=len(election.ballots),
        per_voter_share=str(outcome.per_voter_share or ""),
        explanation=explanation,
        votes={str(projects[t].pk): n for t, n in outcome.supporters.items()},
        seconds=seconds,
    )
    Project.objects.filter(pk__in=winners).update(status=Project.Status.SELECTED)
    Project.objects.filter(budget=budget, status=Project.Status.FEASIBLE).update(
        status=Project.Status.NOT_SELECTED
    )
    budget.status, budget.closed_at = Budget.Status.CLOSED, timezone.now()
    budget.save(update_fields=["status", "closed_at", "updated_at"])
    transparency.log_vote_closed(budget, result)
    return result


def _require_funded(project: Project) -> None:
    if project.status not in FUNDED:
        raise Conflict(_("Only selected projects are followed up."))


@transaction.atomic
def spending_record(
    *,
    project: Project,
    by: Any,
    amount: Decimal,
    on: date,
    supplier: str,
    description: str = "",
    document: UploadedFile | None = None,
) -> SpendingEvent:
    """Record money spent on a selected project (staff). The project becomes ``in progress``.

    Raises PermissionDenied, Conflict (project not selected) or ValidationFailed (``amount``, ``supplier``)."""
    require_staff(by, project.budget.component)
    project = Project.objects.select_for_update().get(pk=project.pk)
    _require_funded(project)
    if amount is None or Decimal(amount) <= 0:
        raise ValidationFailed(_("The amount must be positive."), field="amount")
    supplier = supplier.strip()
    if not supplier:
        raise ValidationFailed(_("Name the supplier."), field="supplier")
    event = SpendingEvent.objects.create(
        project=project,
        amount=Decimal(amount),
        date=on,
        supplier=supplier,
        description=description.strip(),
        document=document or "",
        recorded_by=by,
    )
    if project.status == Project.Status.SELECTED:
        project.status = Project.Status.IN_PROGRESS
        project.save(update_fields=["status", "updated_at"])
    transparency.log_spending(event)
    return event


@transaction.atomic
def milestone_add(*, project: Project, by: Any, title: str, due_date: date | None = None) -> Milestone:
    """Plan a step of a selected project (staff)."""
    require_staff(by, project.budget.component)
    _require_funded(project)
    title = title.strip()
    if not title:
        raise ValidationFailed(_("A milestone needs a title."), field="title")
    return Milestone.objects.create(
        project=project, title=title, due_date=due_date, position=project.milestones.count()
    )


@transaction.atomic
def project_progress(
    *,
    project: Project,
    by: Any,
    progress: int,
    milestone_done: Milestone | None = None,
    on: date | None = None,
) -> Project:
    """Update a selected project's progress (0-100 %); 100 % marks it delivered. Optionally tick a milestone."""
    require_staff(by, project.budget.component)
    project = Project.objects.select_for_update().get(pk=project.pk)
    _require_funded(project)
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ValidationFailed(_("Progress is a percentage between 0 and 100."), field="progress")
    if milestone_done is not None:
        if milestone_done.project_id != project.pk:
            raise ValidationFailed(_("Unknown milestone."), field="milestone")
        milestone_done.done_on = on or timezone.localdate()
        milestone_done.save(update_fields=["done_on"])
    project.progress = progress
    project.status = Project.Status.DELIVERED if progress == 100 else Project.Status.IN_PROGRESS
    project.save(update_fields=["progress", "status", "updated_at"])
    return project


_PB_RULES = {
    "greedy": Budget.Rule.GREEDY,
    "equalshares": Budget.Rule.MES,
    "equalshares/add1": Budget.Rule.MES_ADD1_GREEDY,
}


@transaction.atomic
def budget_import_pb(*, component: Component, by: Any, text: str, title: str = "") -> Budget:
    """Create a closed-ready budget from a Pabulib file: its projects (feasible) and its ballots (imported).

    The budget is left open so that ``budget_close`` computes the result with the platform's rules.
    Raises ValidationFailed with the line and reason of a malformed file (field ``file``)."""
    require_staff(by, component, admin=True)
    try:
        pb = pabulib.loads(text)
    except pabulib.PabulibError as exc:
        raise ValidationFailed(_("Invalid .pb file: %(error)s") % {"error": exc}, field="file") from exc
    amount = pb.budget
    if not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed(_("The file's budget must be a positive whole amount."), field="file")
    if any(not isinstance(c, int) or c <= 0 for c in pb.costs.values()):
        raise ValidationFailed(_("Every project cost must be a positive whole amount."), field="file")
    ballot_type = {
        "ordinal": Budget.BallotType.RANKED,
        "cumulative": Budget.BallotType.CUMULATIVE,
        "scoring": Budget.BallotType.CUMULATIVE,
    }.get(
        pb.vote_type, Budget.BallotType.KNAPSACK if "max_sum_cost" in pb.meta else Budget.BallotType.APPROVAL
    )
    budget = Budget.objects.create(
        component=component,
        title=(title or pb.meta.get("description") or "Pabulib")[:200],
        description=pb.meta.get("comment", ""),
        amount=amount,
        currency=pb.meta.get("currency", "EUR")[:3],
        ballot_type=ballot_type,
        rule=_PB_RULES.get(pb.meta.get("rule", ""), Budget.Rule.MES_ADD1_GREEDY),
        min_projects=0,
        points=int(pb.meta.get("max_sum_points") or 10)
        if pb.meta.get("max_sum_points", "").isdigit()
        else 10,
        top_k=max((len(v.projects) for v in pb.votes), default=1) or 1,
        status=Budget.Status.OPEN,
        opened_at=timezone.now(),
        position=Budget.objects.filter(component=component).count(),
    )
    created = Project.objects.bulk_create(
        [
            Project(
                budget=budget,
                title=(row.get("name") or pid)[:200],
                description=row.get("description", ""),
                cost=int(pb.costs[pid]),
                status=Project.Status.FEASIBLE,
                external_id=pid[:64],
            )
            for pid, row in pb.projects.items()
        ]
    )
    if not all(p.pk for p in created):  # SQLite before 3.35 returns no ids from bulk inserts
        created = list(budget.projects.all())
    pk_of = {p.external_id: p.pk for p in created}
    ballots = Ballot.objects.bulk_create(
        [
            Ballot(
                budget=budget,
                voter_key=f"f{vote.voter_id}"[:80],
                channel=Ballot.Channel.IMPORTED,
                choices=[
                    [pk_of[pid], int(points)]
                    for pid, points in zip(
                        vote.projects, vote.points or [1] * len(vote.projects), strict=True
                    )
                ],
            )
            for vote in pb.votes
        ],
        batch_size=2000,
    )
    transparency.log_vote_opened(budget, eligible=len(ballots))
    transparency.log_ballots(budget, ballots)
    return budget
