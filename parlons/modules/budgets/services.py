"""Writes of the budgets module. ``ballot_cast``, ``budget_close`` and ``spending_record`` are the boundary the
transparency log will hook into: each returns the row it wrote, inside one transaction."""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parlons.accounts import census, identity
from parlons.accounts.models import CensusEntry, Membership, User
from parlons.accounts.services import census_key
from parlons.accounts.verification import Level, level_facts_sql, level_from
from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.common.sql import fetchone_prepared
from parlons.core import registry
from parlons.core.models import Area, Component, DecisionEvent
from parlons.core.routing import component_reverse
from parlons.core.services import decision_record
from parlons.dialogue import services as dialogue
from parlons.ledger.services import ledger_append_with
from parlons.modules.budgets import pabulib, photos, transparency, vote_rules
from parlons.modules.budgets.models import (
    Ballot,
    Budget,
    Milestone,
    Project,
    ProjectPhoto,
    Result,
    SpendingEvent,
)
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


CONFIG_FIELDS = (
    "title",
    "description",
    "amount",
    "currency",
    "area",
    "ballot_type",
    "min_projects",
    "max_projects",
    "min_share",
    "points",
    "top_k",
    "rule",
    "tie_break",
)


def _check_config(component: Component, config: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a budget's configuration (``CONFIG_FIELDS``); returns it cleaned. Raises ValidationFailed."""
    config = dict(config)
    config["title"] = str(config.get("title", "")).strip()
    config["description"] = str(config.get("description", "")).strip()
    if not config["title"]:
        raise ValidationFailed(_("A budget needs a title."), field="title")
    if config["amount"] <= 0:
        raise ValidationFailed(_("The amount must be positive."), field="amount")
    if config["ballot_type"] not in Budget.BallotType.values:
        raise ValidationFailed(_("Unknown ballot type."), field="ballot_type")
    if config["rule"] not in Budget.Rule.values:
        raise ValidationFailed(_("Unknown counting rule."), field="rule")
    if config["tie_break"] not in Budget.TieBreak.values:
        raise ValidationFailed(_("Unknown tie rule."), field="tie_break")
    if config["min_projects"] < 0:
        raise ValidationFailed(_("The minimum cannot be negative."), field="min_projects")
    if config["max_projects"] and config["max_projects"] < config["min_projects"]:
        raise ValidationFailed(_("The maximum cannot be below the minimum."), field="max_projects")
    area = config.get("area")
    if area is not None and area.organisation_id != component.process.organisation_id:
        raise ValidationFailed(_("Unknown district."), field="area")
    if not 0 <= config["min_share"] <= 100:
        raise ValidationFailed(_("The minimum share is a percentage."), field="min_share")
    if config["points"] < 1 or config["top_k"] < 1:
        raise ValidationFailed(_("At least one point and one rank are needed."), field="points")
    return config


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
    tie_break: str = Budget.TieBreak.ID,
) -> Budget:
    """Create a budget in preparation. Administrators only (``by=None``: the system). Raises ValidationFailed."""
    require_staff(by, component, admin=True)
    config = _check_config(
        component,
        {
            "title": title,
            "description": description,
            "amount": amount,
            "currency": currency,
            "area": area,
            "ballot_type": ballot_type,
            "min_projects": min_projects,
            "max_projects": max_projects,
            "min_share": min_share,
            "points": points,
            "top_k": top_k,
            "rule": rule,
            "tie_break": tie_break,
        },
    )
    return Budget.objects.create(
        component=component, position=Budget.objects.filter(component=component).count(), **config
    )


@transaction.atomic
def budget_configure(*, budget: Budget, by: Any, **changes: Any) -> Budget:
    """Change a budget's configuration (any of ``CONFIG_FIELDS``), only while it is in preparation: the ballot
    and the counting rule are fixed and public before the vote opens. Administrators only.
    Raises PermissionDenied, Conflict (vote opened) or ValidationFailed."""
    require_staff(by, budget.component, admin=True)
    unknown = set(changes) - set(CONFIG_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown setting."), field=sorted(unknown)[0])
    budget = Budget.objects.select_for_update().select_related("component__process").get(pk=budget.pk)
    if budget.status != Budget.Status.DRAFT:
        raise Conflict(_("A budget cannot be reconfigured once voting has opened."))
    current = {name: getattr(budget, name) for name in CONFIG_FIELDS}
    config = _check_config(budget.component, current | changes)
    for name, value in config.items():
        setattr(budget, name, value)
    budget.save(update_fields=[*CONFIG_FIELDS, "updated_at"])
    return budget


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
    transparency.log_vote_opened(budget, voter_keys=_eligible_keys(budget))
    return budget


def _eligible_keys(budget: Budget) -> list[str]:
    """The census committed at opening: the one-person key of everyone in the organisation who may hold one.

    Residents of the town's census (``c`` keys, shared by the in-person desk and their checked account) and
    members whose account is not linked to a census entry (``u`` keys). District and verification rules are
    checked when a ballot is cast; the census only proves that nobody outside this list could vote."""
    organisation = budget.component.process.organisation
    census_keys = [
        f"c{pk}" for pk in CensusEntry.objects.filter(organisation=organisation).values_list("pk", flat=True)
    ]
    claimed = CensusEntry.objects.filter(organisation=organisation, claimed_by__isnull=False).values(
        "claimed_by__user_id"
    )
    account_keys = [
        (identity_key if fc_verified and identity_key else f"u{user_id}")
        for user_id, identity_key, fc_verified in Membership.objects.filter(organisation=organisation)
        .exclude(user_id__in=claimed)
        .values_list("user_id", "user__identity_key", "user__franceconnect_verified_at")
    ]
    return census_keys + account_keys


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


def importable_components(*, component: Component) -> list[tuple[Component, list[registry.ImportableItem]]]:
    """Other components of the same organisation whose module offers items to import, with their items."""
    found = []
    others = (
        Component.objects.filter(process__organisation_id=component.process.organisation_id)
        .exclude(pk=component.pk)
        .select_related("process")
        .order_by("process__title", "weight", "pk")
    )
    for other in others:
        manifest = registry.get(other.module_key)
        if manifest is None or manifest.importable_items is None:
            continue
        items = list(manifest.importable_items(other))
        if items:
            found.append((other, items))
    return found


@transaction.atomic
def project_import_items(
    *, budget: Budget, by: Any, source: Component, refs: Sequence[str]
) -> tuple[list[Project], int]:
    """Import the chosen items of ``source`` (another component of the same organisation, e.g. accepted
    proposals of a consultation) as projects awaiting review, while the budget is in preparation.

    Idempotent: an item already imported into this budget is skipped. Each project keeps the item's reference
    and links back to its page; the decision trail records where it came from. Items without a cost estimate
    cannot be imported (the review needs one). Administrators only.
    Returns (created projects, skipped count). Raises PermissionDenied, Conflict or ValidationFailed."""
    require_staff(by, budget.component, admin=True)
    organisation = budget.component.process.organisation
    if source.process.organisation_id != organisation.pk or source.pk == budget.component_id:
        raise ValidationFailed(_("Unknown component."), field="source")
    manifest = registry.get(source.module_key)
    if manifest is None or manifest.importable_items is None:
        raise ValidationFailed(_("This component has nothing to import."), field="source")
    if Budget.objects.select_for_update().get(pk=budget.pk).status != Budget.Status.DRAFT:
        raise Conflict(_("Projects can only be added before the vote opens."))
    offered = {item.ref: item for item in manifest.importable_items(source)}
    chosen = list(dict.fromkeys(refs))
    if not chosen:
        raise ValidationFailed(_("Choose at least one item to import."), field="items")
    if any(ref not in offered for ref in chosen):
        raise ValidationFailed(_("This item cannot be imported."), field="items")
    if any(not offered[ref].cost_estimate for ref in chosen):
        raise ValidationFailed(_("Give the proposal an estimated cost before importing it."), field="items")
    done = set(budget.projects.filter(source_ref__in=chosen).values_list("source_ref", flat=True))
    areas = set(Area.objects.filter(organisation=organisation).values_list("pk", flat=True))
    created = []
    for ref in chosen:
        if ref in done:
            continue
        item = offered[ref]
        project = Project.objects.create(
            budget=budget,
            title=item.title[:200],
            description=item.body,
            cost=item.cost_estimate or 0,  # checked above: every chosen item has a positive estimate
            area_id=item.area_id if item.area_id in areas else budget.area_id,
            location=Point(*item.point, srid=4326) if item.point else None,
            source_ref=ref,
            source_url=item.url[:300],
        )
        decision_record(
            organisation=organisation,
            subject=project,
            by=by,
            kind=DecisionEvent.Kind.STATUS,
            to_status=Project.Status.SUBMITTED,
            body=_("Imported from the accepted proposal %(url)s") % {"url": item.url},
        )
        created.append(project)
    return created, len(chosen) - len(created)


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
    """The one-person key of someone voting in person in a town without a census: an HMAC of their normalised
    name and birth date, so the same person cannot vote twice at two desks, and no name is stored."""
    return identity.person_key(full_name=full_name, birth_date=birth_date)


def has_census(organisation: Any) -> bool:
    return CensusEntry.objects.filter(organisation=organisation).exists()


def in_person_census_key(
    *, organisation: Any, identifier: str, birth_date: date, postal_code: str
) -> tuple[str, Area | None]:
    """The one-person key of a resident found in the town's census, and their district.

    The key (``c`` + census entry) is the one the same person votes under online once their account has passed
    the census check (see ``voter_key``), so whichever channel votes last replaces the other ballot, never adds
    to it. Raises ValidationFailed when the details match nobody in the census."""
    value = census.digest(
        key=census_key(organisation), identifier=identifier, birth_date=birth_date, postal_code=postal_code
    )
    entry = CensusEntry.objects.filter(organisation=organisation, digest=value).select_related("area").first()
    if entry is None:
        raise ValidationFailed(
            _("These details do not match the census. Check them on the person's documents."),
            field="identifier",
        )
    return f"c{entry.pk}", entry.area


def voter_key(user: Any, organisation: Any) -> str:
    """The one-person key of an online voter before their first ballot: their census entry once their account
    passed the census check (shared with the in-person desk), else their FranceConnect identity (shared with the
    desk too), else their account. A ballot already cast keeps the key it was cast under (see ``_voter_facts``)."""
    entry = (
        CensusEntry.objects.filter(organisation=organisation, claimed_by__user=user)
        .values_list("pk", flat=True)
        .first()
    )
    if entry is not None:
        return f"c{entry}"
    return identity.online_identity_key(user) or f"u{user.pk}"


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


def _voter_facts(user: Any, budget: Budget) -> tuple[Level, Any, str, int]:
    """What decides an online voter's ballot, read in one query: their verification level, their district of
    residence, their one-person key in this budget and the revision of their current ballot (0: none yet).

    The key is the one their first ballot in this budget was cast under (so a census check or a FranceConnect
    sign-in during the vote never gives them a second ballot), else their census entry once their account
    passed the census check, else their FranceConnect identity (shared with the in-person desk), else their
    account."""
    ballot_table = Ballot._meta.db_table
    census_table, membership_table = CensusEntry._meta.db_table, Membership._meta.db_table
    organisation_id = budget.component.process.organisation_id
    facts, _count = level_facts_sql()
    fallback = identity.online_identity_key(user) or f"u{user.pk}"
    sql = (
        "WITH k AS MATERIALIZED (SELECT COALESCE("  # the key, computed once  # noqa: S608
        f" (SELECT b.voter_key FROM {ballot_table} b WHERE b.voter_id = %s AND b.budget_id = %s ORDER BY b.id LIMIT 1),"
        f" (SELECT 'c' || ce.id FROM {census_table} ce JOIN {membership_table} m ON m.id = ce.claimed_by_id"
        "  WHERE m.user_id = %s AND ce.organisation_id = %s ORDER BY ce.id LIMIT 1),"
        " %s) AS voter_key)"
        f" SELECT {facts},"
        f" (SELECT m.home_area_id FROM {membership_table} m WHERE m.user_id = %s AND m.organisation_id = %s),"
        f" k.voter_key, (SELECT b.revision FROM {ballot_table} b WHERE b.budget_id = %s AND b.voter_key = k.voter_key)"
        " FROM k"
    )
    params = [user.pk, budget.pk, user.pk, organisation_id, fallback]
    params += [user.pk, organisation_id, user.pk, user.pk, organisation_id, budget.pk]
    census_checked, email_confirmed, home_area_id, key, revision = fetchone_prepared(sql, params)  # type: ignore[misc]
    level = level_from(user, census_checked=bool(census_checked), email_confirmed=bool(email_confirmed))
    return level, home_area_id, key, revision or 0


def _in_person_voter(budget: Budget, key: str) -> tuple[Any, str, int]:
    """The account linked to an in-person one-person key (census claim or FranceConnect identity), the key the
    person's ballot in this budget is under (their first ballot's, whichever channel), and its revision."""
    user_id = None
    if key.startswith("c"):  # a census resident: their account, if they have one, sees this ballot
        user_id = (
            Membership.objects.filter(census_claims__pk=int(key[1:])).values_list("user", flat=True).first()
        )
    elif key.startswith("p"):  # a person whose account passed FranceConnect with the same name and birth date
        user_id = (
            User.objects.filter(identity_key=key, franceconnect_verified_at__isnull=False)
            .values_list("pk", flat=True)
            .first()
        )
    current = None
    if user_id is not None:
        current = (
            Ballot.objects.filter(budget=budget, voter_id=user_id)
            .values_list("voter_key", "revision")
            .first()
        )
    if current is None:
        current = (
            Ballot.objects.filter(budget=budget, voter_key=key).values_list("voter_key", "revision").first()
        )
    voter_key, revision = current if current is not None else (key, 0)
    return (_UserRef(user_id) if user_id is not None else None), voter_key, revision


def _write_ballot(
    *, budget: Budget, key: str, expected: int, voter: Any, channel: str, assisted_by: Any, choices: list
) -> tuple[int, str] | None:
    """Insert or replace the person's ballot and queue its log entry, in one statement, only while the budget
    is open and only if their current ballot is still at revision ``expected`` (0: none).

    Returns (ballot id, receipt code), or None when nothing was written (the vote is not open, or another
    ballot of the same person was cast meanwhile). The new ballot's revision is ``expected + 1`` whether it is
    inserted or replaces the current one, so its log entry (prepared before the write) says so exactly.

    On PostgreSQL the statement runs under a shared advisory lock on the budget, taken by a statement of its
    own sent in the same round trip (the insert's snapshot is then taken after the lock is granted): ballots
    proceed in parallel, while ``budget_close`` takes the lock exclusively, so it waits for ballots in flight
    and later ones see the vote closed (a row lock on the budget would make every concurrent ballot rewrite
    that row). The unique (budget, voter_key) constraint and ``ON CONFLICT`` make concurrent ballots of one
    person replace each other, never add."""
    revision = expected + 1
    entry = transparency.ballot_entry(budget, voter_key=key, choices=choices, revision=revision)
    ballot_table, budget_table = Ballot._meta.db_table, Budget._meta.db_table
    now = entry.created_at
    # Typed placeholders on PostgreSQL: the statement is prepared with its parameters bound on the server, where
    # ``None`` and a JSON text have no type of their own.
    bigint, jsonb, integer = ("%s::bigint", "%s::jsonb", "%s::integer") if _typed() else ("%s", "%s", "%s")
    sql = (
        f"INSERT INTO {ballot_table} (budget_id, voter_id, voter_key, channel, assisted_by_id, choices, revision,"  # noqa: S608
        " receipt_code, created_at, updated_at)"
        f" SELECT b.id, {bigint}, %s, %s, {bigint}, {jsonb}, {integer}, %s, %s, %s"
        f" FROM {budget_table} b WHERE b.id = %s AND b.status = %s"
        " ON CONFLICT (budget_id, voter_key) DO UPDATE SET choices = excluded.choices, channel = excluded.channel,"
        f" voter_id = COALESCE(excluded.voter_id, {ballot_table}.voter_id),"
        f" assisted_by_id = excluded.assisted_by_id, revision = {ballot_table}.revision + 1,"
        " receipt_code = excluded.receipt_code, updated_at = excluded.updated_at"
        f" WHERE {ballot_table}.revision = %s RETURNING id"
    )
    params = [
        getattr(voter, "pk", None),
        key,
        channel,
        getattr(assisted_by, "pk", None),
        json.dumps(choices),
        revision,
        entry.code,
        now,
        now,
        budget.pk,
        Budget.Status.OPEN,
        expected,
    ]
    lock = ("SELECT pg_advisory_xact_lock_shared(%s, %s)", [_LOCK_SPACE, budget.pk])
    row, stored = ledger_append_with(
        entry=entry,
        write_sql=sql,
        write_params=params,
        before_sql=lock[0] if connection.vendor == "postgresql" else "",
        before_params=lock[1],
    )
    if row is None or stored is None:
        return None
    return row[0], stored.code


def _typed() -> bool:
    return connection.vendor == "postgresql"


class _UserRef:
    """A user known by id only (the ballot's ``voter`` column)."""

    def __init__(self, pk: int) -> None:
        self.pk = pk


# First key of the advisory locks taken on budgets (the second is the budget id).
_LOCK_SPACE = 0x5042  # "PB"
# A person casting several ballots at the same instant: each retry rereads their current ballot, under a lock of
# that person (``_person_lock``) so the retries of one person queue up instead of racing each other.
_CAST_ATTEMPTS = 8
_PERSON_LOCK_SPACE = 0x5043  # "PC"


@contextlib.contextmanager
def _person_lock(budget: Budget, person: str, *, take: bool) -> Iterator[None]:
    """A transaction holding an advisory lock on (budget, person) on PostgreSQL; nothing when ``take`` is False."""
    if not take:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            digest = hashlib.sha256(f"{budget.pk}|{person}".encode()).digest()
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)",
                    [_PERSON_LOCK_SPACE, int.from_bytes(digest[:4], "big", signed=True)],
                )
        yield


def _lock_budget_exclusively(budget: Budget) -> Budget:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, budget.pk])
    return Budget.objects.select_for_update().get(pk=budget.pk)


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
    (or ``in_person_census_key``) and ``residence`` is the district the agent checked. ``choices``: project
    public ids (in rank order for ranked ballots) or ``{public id: points}`` for cumulative ballots.
    Raises PermissionDenied, Conflict (vote not open) or ValidationFailed (``projects``/``points``).

    The ballot and its log entry are written by one statement (``_write_ballot``): atomic on its own, so this
    needs no transaction of its own (in autocommit mode: one round trip to read the voter's facts, one to
    write and commit); inside a caller's transaction it joins it."""
    if assisted_by is not None:
        require_staff(assisted_by, budget.component)
        if not person_key.startswith(("p", "c")):
            raise ValidationFailed(_("Identify the person voting."), field="full_name")
        if budget.area_id and (residence is None or residence.pk != budget.area_id):
            raise PermissionDenied(_("This vote is for residents of %(area)s.") % {"area": budget.area})
        channel = Ballot.Channel.IN_PERSON
    else:
        channel = Ballot.Channel.ONLINE
    cleaned = None
    person = person_key if assisted_by is not None else f"u{getattr(voter, 'pk', '')}"
    for attempt in range(_CAST_ATTEMPTS):
        if attempt:  # someone else's ballot for this person landed between our read and our write
            time.sleep(random.uniform(0, 0.002 * attempt))  # jitter, not a secret
        with _person_lock(budget, person, take=attempt > 0):
            if assisted_by is not None:
                voter, key, expected = _in_person_voter(budget, person_key)
            else:
                if budget.status != Budget.Status.OPEN:
                    raise Conflict(_("This vote is not open."))
                if voter is None or not voter.is_authenticated:
                    raise PermissionDenied(
                        vote_decision(voter, budget).reason or _("Please sign in to take part.")
                    )
                level, home_area_id, key, expected = _voter_facts(voter, budget)
                decision = vote_decision(voter, budget, level=level, home_area_id=home_area_id)
                if not decision:
                    raise PermissionDenied(decision.reason)
            if cleaned is None:
                cleaned = _clean_choices(budget, choices)
            written = _write_ballot(
                budget=budget,
                key=key,
                expected=expected,
                voter=voter,
                channel=channel,
                assisted_by=assisted_by,
                choices=cleaned,
            )
        if written is not None:
            break
        if Budget.objects.filter(pk=budget.pk).values_list("status", flat=True).first() != Budget.Status.OPEN:
            raise Conflict(_("This vote is not open."))
    else:
        raise Conflict(_("Another ballot of yours is being recorded. Try again in a moment."))
    ballot = Ballot(
        pk=written[0],
        revision=expected + 1,
        budget=budget,
        voter_id=getattr(voter, "pk", None),
        voter_key=key,
        channel=channel,
        assisted_by=assisted_by,
        choices=cleaned,
        receipt_code=written[1],
    )
    if voter is not None and not isinstance(voter, _UserRef):
        ballot.voter = voter
    return ballot


def budget_election(budget: Budget) -> tuple[vote_rules.Election, dict[str, Project]]:
    """The tally input of a budget: the projects on the ballot and every current ballot's supported projects."""
    projects = {tally_id(p): p for p in budget.projects.filter(status__in=ON_BALLOT).order_by("pk")}
    by_pk = {p.pk: t for t, p in projects.items()}
    ballots = [
        [by_pk[pk] for pk, points in choices if points > 0 and pk in by_pk]
        for choices in Ballot.objects.filter(budget=budget).values_list("choices", flat=True).iterator(2000)
    ]
    election = vote_rules.Election(  # ``_clean_choices`` refuses a project twice on a ballot
        budget=budget.amount, costs={t: p.cost for t, p in projects.items()}, ballots=ballots, distinct=True
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
    outcome = vote_rules.tally(election, budget.rule, tie_break=budget.tie_break)
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
    _tell_followers(project, _("Spending recorded on “%(title)s”"), spending=event)
    return event


PHOTO_ERRORS = {
    "too_big": _("The photo is too big (10 MB at most)."),
    "too_large_image": _("The photo has too many pixels."),
    "not_an_image": _("The file is not a photo (JPEG, PNG, WebP, GIF or HEIC)."),
}


@transaction.atomic
def project_photo_add(
    *, project: Project, by: Any, upload: UploadedFile, alt_text: str, taken_on: date | None = None
) -> ProjectPhoto:
    """Add a photo of a funded project's works (staff). The image is checked, stripped of its metadata (EXIF,
    GPS), resized and re-encoded; the same photo twice is stored once. Raises PermissionDenied, Conflict (not
    funded) or ValidationFailed (``file``: not an image or too big; ``alt_text``: a description is needed)."""
    require_staff(by, project.budget.component)
    _require_funded(project)
    alt_text = alt_text.strip()
    if not alt_text:
        raise ValidationFailed(_("Describe the photo for people who cannot see it."), field="alt_text")
    if (getattr(upload, "size", 0) or 0) > photos.MAX_BYTES:
        raise ValidationFailed(PHOTO_ERRORS["too_big"], code="too_big", field="file")
    upload.seek(0)
    try:
        clean = photos.clean(upload.read())
    except photos.PhotoError as exc:
        raise ValidationFailed(PHOTO_ERRORS[exc.code], code=exc.code, field="file") from exc
    existing = ProjectPhoto.objects.filter(project=project, content_hash=clean.content_hash).first()
    if existing is not None:
        return existing
    photo = ProjectPhoto(
        project=project,
        content_hash=clean.content_hash,
        width=clean.width,
        height=clean.height,
        alt_text=alt_text[:200],
        taken_on=taken_on,
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    photo.file.save(f"{clean.content_hash}.jpg", ContentFile(clean.data), save=False)
    photo.save()
    return photo


def project_follow(*, project: Project, by: Any, follow: bool = True) -> bool:
    """Follow (or stop following) a project's execution through the shared dialogue follows; returns whether
    ``by`` now follows it. Raises PermissionDenied for visitors who are not signed in."""
    if follow:
        dialogue.follow(target=project, by=by)
    elif by is not None and by.is_authenticated:
        dialogue.unfollow(target=project, by=by)
    return follow and by is not None and by.is_authenticated


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
    _tell_followers(project, _("News of “%(title)s”"), milestone=milestone_done)
    return project


def _tell_followers(project: Project, subject: Any, **news: Any) -> None:
    """E-mail the project's followers its news (progress, a milestone reached, money spent)."""
    component = project.budget.component
    dialogue.followers_notify(
        target=project,
        subject=subject,
        template="budgets/email/project_news.txt",
        context={"project": project, **news},
        path=component_reverse(component, "project", public_id=project.public_id),
    )


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
    transparency.log_vote_opened(budget, voter_keys=[ballot.voter_key for ballot in ballots])
    transparency.log_ballots(budget, ballots)
    return budget
