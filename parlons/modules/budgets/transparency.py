"""The budgets module's side of the transparency log (issue #6): what a vote writes to the organisation's log,
and how a closed vote is recounted from the log alone.

Entries (``ref`` = ``vote_ref(budget)``), none with personal data:

- ``vote_opened``: rule, amount, ballot type, project costs (by tally id) and the census commitment;
- ``ballot``: the voter's pseudonym (HMAC of the person key and the vote under a per-budget key), the choices
  ``[[tally id, points], ...]`` and the revision; a replacement is a new entry with the same pseudonym, and the
  recount keeps the last entry per pseudonym;
- ``vote_closed``: the number of ballots and the SHA-256 of the sorted pseudonyms (a deleted or added ballot
  entry then shows up as a mismatch);
- ``result``: rule, winners, costs, supporters;
- ``spending``: project, amount, date, supplier, SHA-256 of the document.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings

from parlons.core.models import Organisation
from parlons.ledger.models import LedgerEntry
from parlons.ledger.recount import ClosedVote, RecountHook, VerifiedEntry, register_recount
from parlons.ledger.services import (
    census_commit,
    checkpoint_create,
    ledger_append,
    ledger_append_many,
    ledger_prepare,
)
from parlons.modules.budgets import vote_rules
from parlons.modules.budgets.models import Ballot, Budget, Project, Result, SpendingEvent

REF_PREFIX = "budget:"
ON_BALLOT = (
    Project.Status.FEASIBLE,
    Project.Status.SELECTED,
    Project.Status.NOT_SELECTED,
    Project.Status.IN_PROGRESS,
    Project.Status.DELIVERED,
)


def vote_ref(budget: Budget) -> str:
    return f"{REF_PREFIX}{budget.pk}"


def organisation_of(budget: Budget) -> Organisation:
    return budget.component.process.organisation


def _budget_key(budget: Budget) -> bytes:
    """The budget's pseudonymisation key, derived from the server secret, the organisation and the budget."""
    message = f"parlons.budgets.ledger|{organisation_of(budget).pk}|{budget.pk}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()


def pseudonym(budget: Budget, voter_key: str) -> str:
    """The per-vote identifier of a person: HMAC(budget key, person key + budget id). Never a name or e-mail."""
    message = f"{voter_key}|{budget.pk}".encode()
    return hmac.new(_budget_key(budget), message, hashlib.sha256).hexdigest()


def census_digest(pseudonyms: Iterable[str]) -> str:
    ordered = sorted(set(pseudonyms))
    return hashlib.sha256(f"{len(ordered)}\n{chr(10).join(ordered)}".encode()).hexdigest()


def _tally_ids(budget: Budget, *, memo: bool = False) -> dict[int, str]:
    """Project pk -> tally id of the projects on the ballot; ``memo``: kept on the instance (the ballot is fixed
    while the vote is open, so a bench or a desk casting many ballots reads it once)."""
    cached = getattr(budget, "_tally_ids", None) if memo else None
    if cached is None:
        cached = {
            pk: external_id or f"{pk:08d}"
            for pk, external_id in budget.projects.filter(status__in=ON_BALLOT).values_list(
                "pk", "external_id"
            )
        }
        if memo:
            budget._tally_ids = cached  # type: ignore[attr-defined]
    return cached


def _choices(tally: dict[int, str], choices: Sequence[Sequence[int]]) -> list[list[Any]]:
    return [[tally[pk], points] for pk, points in choices if pk in tally]


def _ballot_payload(budget: Budget, tally: dict[int, str], ballot: Ballot) -> dict[str, Any]:
    return {
        "voter": pseudonym(budget, ballot.voter_key),
        "choices": _choices(tally, ballot.choices),
        "revision": ballot.revision,
    }


def log_vote_opened(budget: Budget, *, voter_keys: Iterable[str]) -> None:
    """The opening entry (rule, amount, costs, census commitment), then a signed checkpoint.

    ``voter_keys`` are the one-person keys of everyone who may vote; the log receives only the commitment to
    their per-vote pseudonyms (count and Merkle root, ``parlons-census/v1``), and each person can later ask for
    the proof that their own pseudonym was in it."""
    organisation = organisation_of(budget)
    costs = {p.external_id or f"{p.pk:08d}": p.cost for p in budget.projects.filter(status__in=ON_BALLOT)}
    commitment = census_commit(
        organisation=organisation,
        ref=vote_ref(budget),
        pseudonyms=(pseudonym(budget, key) for key in voter_keys),
    )
    ledger_append(
        organisation=organisation,
        kind="vote_opened",
        ref=vote_ref(budget),
        payload={
            "budget": budget.pk,
            "title": budget.title,
            "amount": budget.amount,
            "currency": budget.currency,
            "ballot_type": budget.ballot_type,
            "rule": budget.rule,
            "tie_break": budget.tie_break,
            "costs": costs,
            "census": {**commitment, "eligible": commitment["count"]},
        },
    )
    checkpoint_create(organisation=organisation, reason="vote_opened")


def ballot_entry(
    budget: Budget, *, voter_key: str, choices: Sequence[Sequence[int]], revision: int
) -> LedgerEntry:
    """The ballot's log entry, prepared (not stored): ``services._write_ballot`` stores it with the ballot."""
    return ledger_prepare(
        organisation=organisation_of(budget),
        kind="ballot",
        ref=vote_ref(budget),
        payload={
            "voter": pseudonym(budget, voter_key),
            "choices": _choices(_tally_ids(budget, memo=True), choices),
            "revision": revision,
        },
    )


def log_ballots(budget: Budget, ballots: Sequence[Ballot]) -> None:
    """Append many ballots at once (imported files, demo data), in one lock."""
    if not ballots:
        return
    tally = _tally_ids(budget)
    ref = vote_ref(budget)
    entries = ledger_append_many(
        organisation=organisation_of(budget),
        items=[("ballot", _ballot_payload(budget, tally, b), ref) for b in ballots],
    )
    for ballot, entry in zip(ballots, entries, strict=True):
        ballot.receipt_code = entry.code
    if all(b.pk for b in ballots):
        Ballot.objects.bulk_update(list(ballots), ["receipt_code"], batch_size=2000)


def log_vote_closed(budget: Budget, result: Result) -> None:
    """The closing entry (ballot count, census of pseudonyms), the result, then a signed checkpoint."""
    organisation = organisation_of(budget)
    published = published_for(budget, result)
    ledger_append_many(
        organisation=organisation,
        items=[
            (
                "vote_closed",
                {"budget": budget.pk, "ballots": published["voters"], "census": published["census"]},
                vote_ref(budget),
            ),
            (
                "result",
                {
                    "budget": budget.pk,
                    "rule": result.rule,
                    "winners": published["winners"],
                    "cost": published["cost"],
                    "costs": published["costs"],
                    "supporters": published["supporters"],
                    "per_voter_share": result.per_voter_share,
                },
                vote_ref(budget),
            ),
        ],
    )
    checkpoint_create(organisation=organisation, reason="vote_closed")


def log_spending(event: SpendingEvent) -> None:
    project = event.project
    document = ""
    if event.document:
        digest = hashlib.sha256()
        event.document.open("rb")
        try:
            for chunk in event.document.chunks():
                digest.update(chunk)
        finally:
            event.document.close()
        document = digest.hexdigest()
    ledger_append(
        organisation=organisation_of(project.budget),
        kind="spending",
        ref=vote_ref(project.budget),
        payload={
            "project": project.public_id,
            "amount": str(event.amount),
            "date": event.date.isoformat(),
            "supplier": event.supplier,
            "document_sha256": document,
        },
    )


# -- recount ---------------------------------------------------------------------------------------------------


def published_for(budget: Budget, result: Result) -> dict[str, Any]:
    """The published result, in the form the recount produces (tally ids, census of the stored ballots)."""
    tally = _tally_ids(budget)
    costs = {
        t: c for pk, c in budget.projects.filter(pk__in=tally).values_list("pk", "cost") for t in [tally[pk]]
    }
    keys = Ballot.objects.filter(budget=budget).values_list("voter_key", flat=True)
    return {
        "rule": result.rule,
        "winners": [tally[pk] for pk in result.winners],
        "cost": int(result.cost),
        "costs": dict(sorted(costs.items())),
        "voters": result.voters,
        "supporters": {tally[int(pk)]: n for pk, n in sorted(result.votes.items()) if int(pk) in tally},
        "census": census_digest(pseudonym(budget, k) for k in keys.iterator(2000)),
    }


def _budget_for(vote_id: str) -> Budget | None:
    if not vote_id.startswith(REF_PREFIX) or not vote_id[len(REF_PREFIX) :].isdigit():
        return None
    return (
        Budget.objects.select_related("component__process__organisation")
        .filter(pk=int(vote_id[len(REF_PREFIX) :]))
        .first()
    )


def _locate(vote_id: str) -> Organisation | None:
    budget = _budget_for(vote_id)
    return organisation_of(budget) if budget is not None else None


def _closed_votes(organisation: Organisation) -> list[ClosedVote]:
    budgets = Budget.objects.filter(
        component__process__organisation=organisation, status=Budget.Status.CLOSED, result__isnull=False
    ).order_by("closed_at", "pk")
    return [ClosedVote(vote_id=vote_ref(b), title=b.title, closed_at=b.closed_at) for b in budgets]


def recount_entries(entries: Iterable[VerifiedEntry]) -> dict[str, Any] | None:
    """A vote's result recomputed from its log entries alone: the rule, amount and costs of the opening entry,
    the last ballot per pseudonym. None when the log has no opening entry."""
    opened: dict[str, Any] | None = None
    last: dict[str, list[Any]] = {}
    for entry in sorted(entries, key=lambda e: e.index):
        if entry.kind == "vote_opened":
            opened = entry.payload
        elif entry.kind == "ballot":
            last[entry.payload["voter"]] = entry.payload["choices"]
    if opened is None:
        return None
    costs: dict[str, int] = opened["costs"]
    ordered = sorted(costs)
    ballots = [[t for t, points in choices if points > 0 and t in costs] for choices in last.values()]
    election = vote_rules.Election(
        budget=opened["amount"], costs={t: costs[t] for t in ordered}, ballots=ballots
    )
    outcome = vote_rules.tally(election, opened["rule"], tie_break=opened.get("tie_break", "id"))
    return {
        "rule": opened["rule"],
        "winners": list(outcome.winners),
        "cost": int(outcome.cost),
        "costs": dict(sorted(costs.items())),
        "voters": len(ballots),
        "supporters": dict(sorted(outcome.supporters.items())),
        "census": census_digest(last),
    }


def _recount(vote_id: str, entries: Iterable[VerifiedEntry]) -> dict[str, Any] | None:
    return recount_entries(entries)


def _published(vote_id: str) -> dict[str, Any] | None:
    budget = _budget_for(vote_id)
    if budget is None:
        return None
    result = Result.objects.filter(budget=budget).first()
    return published_for(budget, result) if result is not None else None


def register() -> None:
    register_recount(
        RecountHook(
            key="budgets",
            locate=_locate,
            closed_votes=_closed_votes,
            recount=_recount,
            published_result=_published,
        )
    )
