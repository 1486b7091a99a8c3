"""The budgets module writes its votes to the transparency log, and a closed vote is recounted from it."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from parlons.accounts.models import Membership
from parlons.core.tests.factories import UserFactory
from parlons.ledger.audit import TamperDetected, closed_votes, recount_vote
from parlons.ledger.entries import encode_entry
from parlons.ledger.models import LedgerCheckpoint, LedgerEntry
from parlons.modules.budgets import services, transparency
from parlons.modules.budgets.models import Ballot
from parlons.modules.budgets.tests.test_services import component, ids, make_budget  # noqa: F401

pytestmark = pytest.mark.django_db


def _entries(budget, kind=None):
    qs = LedgerEntry.objects.filter(ref=transparency.vote_ref(budget)).order_by("index")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs)


def _voters(org, n):
    users = [UserFactory() for _ in range(n)]
    for user in users:
        Membership.objects.create(organisation=org, user=user)
    return users


def test_ballot_entry_has_a_pseudonym_and_no_personal_data(component, citizen):  # noqa: F811
    budget, projects = make_budget(component)
    assert [e.kind for e in _entries(budget)] == ["vote_opened"]
    assert LedgerCheckpoint.objects.filter(reason="vote_opened").exists()
    ballot = services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 0, 2))
    [entry] = _entries(budget, "ballot")
    data = bytes(entry.data)
    for personal in (citizen.email, citizen.get_full_name(), str(getattr(citizen, "name", "") or "")):
        if personal:
            assert personal.encode() not in data
    assert f"u{citizen.pk}".encode() not in data
    payload = json.loads(data)["payload"]
    assert payload["voter"] == transparency.pseudonym(budget, f"u{citizen.pk}")
    assert len(payload["choices"]) == 2
    assert ballot.receipt_code == entry.code
    assert Ballot.objects.get(pk=ballot.pk).receipt_code == entry.code


def test_replaced_ballot_is_counted_once_and_recount_matches(component, citizen, admin_user):  # noqa: F811
    budget, projects = make_budget(component, costs=(60000, 50000, 30000), rule="mes")
    org = component.process.organisation
    services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 1))
    services.ballot_cast(budget=budget, voter=citizen, choices=ids(projects, 0, 2))  # replaces
    for n, voter in enumerate(_voters(org, 5)):
        services.ballot_cast(budget=budget, voter=voter, choices=ids(projects, *(0, 2) if n < 3 else (1,)))
    ballots = _entries(budget, "ballot")
    assert len(ballots) == 7
    first, second = (json.loads(bytes(e.data))["payload"] for e in ballots[:2])
    assert first["voter"] == second["voter"] and second["revision"] == 2

    before = LedgerCheckpoint.objects.filter(reason="vote_closed").count()
    result = services.budget_close(budget=budget, by=admin_user)
    assert LedgerCheckpoint.objects.filter(reason="vote_closed").count() == before + 1
    [closed] = _entries(budget, "vote_closed")
    assert json.loads(bytes(closed.data))["payload"]["ballots"] == 6
    [logged] = _entries(budget, "result")
    assert json.loads(bytes(logged.data))["payload"]["winners"] == [
        services.tally_id(p) for p in projects if p.pk in result.winners
    ]

    recount = recount_vote(vote_id=transparency.vote_ref(budget))
    assert recount.matches, (recount.result, recount.published)
    assert recount.result["voters"] == 6
    assert [v.vote_id for _k, v in closed_votes(organisation=org)] == [transparency.vote_ref(budget)]
    call_command("ledger_recount", transparency.vote_ref(budget))


def _closed_vote(component, admin_user):  # noqa: F811
    budget, projects = make_budget(component, costs=(60000, 50000, 30000), rule="greedy")
    org = component.process.organisation
    for n, voter in enumerate(_voters(org, 5)):
        services.ballot_cast(budget=budget, voter=voter, choices=ids(projects, *(0,) if n < 3 else (1,)))
    services.budget_close(budget=budget, by=admin_user)
    assert recount_vote(vote_id=transparency.vote_ref(budget)).matches
    return budget, projects


def test_tampered_ballot_entry_is_detected_by_the_recount(component, admin_user):  # noqa: F811
    budget, projects = _closed_vote(component, admin_user)
    entry = _entries(budget, "ballot")[0]
    doc = json.loads(bytes(entry.data))
    doc["payload"]["choices"] = [[services.tally_id(projects[1]), 1]]
    from datetime import datetime

    entry.data = encode_entry(
        kind=doc["kind"], payload=doc["payload"], ref=doc["ref"], at=datetime.fromisoformat(doc["time"])
    )
    entry.save(update_fields=["data"])
    with pytest.raises(TamperDetected):
        recount_vote(vote_id=transparency.vote_ref(budget))


def test_recount_from_altered_entries_differs(component, admin_user):  # noqa: F811
    """Even a log rewritten consistently (entries and tree) cannot hide a changed ballot: the count differs."""
    budget, projects = _closed_vote(component, admin_user)
    from parlons.ledger.recount import VerifiedEntry

    entries = [
        VerifiedEntry(index=e.index, kind=e.kind, ref=e.ref, document=json.loads(bytes(e.data)))
        for e in _entries(budget)
    ]
    for e in entries:
        if e.kind == "ballot":
            e.payload["choices"] = [[services.tally_id(projects[1]), 1]]
    published = transparency._published(transparency.vote_ref(budget))
    assert transparency.recount_entries(entries) != published
    dropped = [e for e in entries if e.kind != "ballot" or e.index != entries[1].index]
    assert transparency.recount_entries(dropped)["voters"] == published["voters"] - 1


def test_deleted_ballot_entry_shows_as_a_mismatch(component, admin_user):  # noqa: F811
    budget, _projects = _closed_vote(component, admin_user)
    _entries(budget, "ballot")[0].delete()
    recount = recount_vote(vote_id=transparency.vote_ref(budget))
    assert not recount.matches
    assert recount.result["voters"] == recount.published["voters"] - 1


def test_spending_is_logged_with_the_document_hash(component, agent, admin_user):  # noqa: F811
    budget, _projects = _closed_vote(component, admin_user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    selected = budget.projects.filter(status="selected").first()
    services.spending_record(
        project=selected,
        by=agent,
        amount=Decimal("1234.50"),
        on=date(2026, 3, 1),
        supplier="Travaux SA",
        document=SimpleUploadedFile("facture.pdf", b"%PDF-1.4 facture"),
    )
    [entry] = _entries(budget, "spending")
    payload = json.loads(bytes(entry.data))["payload"]
    assert payload["amount"] == "1234.50" and payload["supplier"] == "Travaux SA"
    assert len(payload["document_sha256"]) == 64
