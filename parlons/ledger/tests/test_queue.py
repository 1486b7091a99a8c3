"""The queue and the sequencer: appends commit with the caller, the receipt says "being recorded" until the
sequencer integrates the entry, in-person receipts print, and a vote's census is committed and provable."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse

from parlons.common.errors import Conflict, ValidationFailed
from parlons.ledger import census, merkle, receipts, selectors, services, tasks
from parlons.ledger.models import LedgerEntry, LedgerLog, LedgerPending
from parlons.ledger.receipts import receipt_check_online
from parlons.ledger.tests.factories import queued

pytestmark = pytest.mark.django_db


def test_append_queues_in_the_callers_transaction_and_the_sequencer_integrates_in_order(org):
    first = queued(org, {"n": 1})
    second = queued(org, {"n": 2})
    assert first.index is None and len(first.code) == 19  # the receipt code is final before the index
    assert LedgerPending.objects.filter(organisation=org).count() == 2
    assert selectors.log_size(organisation=org) == 0
    ids = list(LedgerPending.objects.filter(organisation=org).order_by("id").values_list("id", flat=True))
    assert services.ledger_integrate(organisation=org) == {ids[0]: 0, ids[1]: 1}
    log = LedgerLog.objects.get(organisation=org)
    assert log.size == 2 and LedgerPending.objects.filter(organisation=org).count() == 0
    stored = list(LedgerEntry.objects.filter(organisation=org).order_by("index"))
    assert [e.code for e in stored] == [first.code, second.code]
    assert bytes(log.root_hash) == merkle.root_of_leaves(merkle.leaf_hash(bytes(e.data)) for e in stored)


def test_a_rolled_back_transaction_leaves_nothing_in_the_log(org):
    with pytest.raises(RuntimeError), transaction.atomic():
        queued(org)
        raise RuntimeError("the ballot failed")
    assert LedgerPending.objects.filter(organisation=org).count() == 0
    assert services.ledger_integrate(organisation=org) == {}


def test_the_sequencer_runs_after_commit_and_in_batches(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            queued(org, {"n": n})
    assert selectors.log_size(organisation=org) == 5 and not LedgerPending.objects.exists()
    # Leftovers (a lost task) are caught by the every-minute task.
    queued(org, {"n": 5})
    queued(org, {"n": 6})
    assert tasks.ledger_integrate_leftovers.call_local() == 2
    assert selectors.log_size(organisation=org) == 7


def test_checkpoints_and_receipts_integrate_queued_entries_first(org):
    entry = queued(org)
    cp = services.checkpoint_create(organisation=org)
    assert cp.size == 1
    later = queued(org, {"n": 2})
    receipt = receipts.receipt_for(later)  # ledger_append's return value: integrated on demand
    assert receipt["index"] == 1 and receipt["code"] == later.code
    assert receipt_check_online(organisation=org, receipt=receipt).included
    assert services.ledger_entry_integrated(entry).index == 0


def test_receipt_page_says_being_recorded_then_shows_the_receipt(org, client_for):
    entry = queued(org, {"n": 1}, kind="ballot")
    url = reverse("ledger:receipt_page", args=[org.slug, entry.code])
    page = client_for().get(url).content.decode()
    assert "Being recorded" in page and 'hx-trigger="every 1s"' in page and entry.code in page
    assert "behind 0 other entries" in page
    fragment = client_for().get(url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<section id="receipt-status"') and "<html" not in fragment
    services.ledger_integrate(organisation=org)
    done = client_for().get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Recorded in the log" in done and "number 0" in done and "hx-trigger" not in done
    assert reverse("ledger:receipt_print", args=[org.slug, entry.code]) in done
    assert (
        client_for().get(reverse("ledger:receipt_page", args=[org.slug, "AAAA-AAAA-AAAA-AAAA"])).status_code
        == 404
    )


def test_a_receipt_page_integrates_an_entry_the_worker_left_behind(org, client_for):
    entry = queued(org)
    LedgerPending.objects.filter(code=entry.code).update(
        created_at=entry.created_at - dt.timedelta(minutes=1)
    )
    page = client_for().get(reverse("ledger:receipt_page", args=[org.slug, entry.code])).content.decode()
    assert "Recorded in the log" in page and not LedgerPending.objects.exists()


def test_downloading_a_queued_receipt_integrates_it(org, client_for):
    entry = queued(org)
    response = client_for().get(reverse("ledger:receipt", args=[org.slug, entry.code]))
    assert response.status_code == 200 and json.loads(response.content)["index"] == 0


def test_printable_receipt_for_an_in_person_ballot(org, client_for):
    entry = queued(org, {"voter": "ab" * 32, "choices": [["p1", 1]]}, kind="ballot")
    page = client_for().get(reverse("ledger:receipt_print", args=[org.slug, entry.code])).content.decode()
    assert entry.code in page and "Check it at http://valmont.example.test/ledger/valmont/verify" in page
    assert "What a receipt does not prove" in page and "no personal data" in page
    assert '<html lang="en">' in page and "<h1>" in page


def test_census_commitment_is_stored_and_proved(org, client_for):
    pseudonyms = [f"{i:064x}" for i in range(50)]
    commitment = services.census_commit(organisation=org, ref="budget:7", pseudonyms=reversed(pseudonyms))
    assert commitment == census.commitment(sorted(pseudonyms))
    with pytest.raises(Conflict):
        services.census_commit(organisation=org, ref="budget:7", pseudonyms=pseudonyms)
    with pytest.raises(ValidationFailed):
        services.census_commit(organisation=org, ref="budget:8", pseudonyms=["two\nlines"])
    url = reverse("ledger:census_proof", args=[org.slug, "budget:7"])
    proof = client_for().get(url, {"pseudonym": pseudonyms[17]}).json()
    assert proof["index"] == 17 and proof["count"] == 50 and proof["root"] == commitment["root"]
    census.verify_member(
        pseudonyms[17],
        index=proof["index"],
        count=proof["count"],
        proof=proof["proof"],
        root=commitment["root"],
    )
    assert client_for().get(url, {"pseudonym": "f" * 64}).status_code == 404
    assert client_for().get(url).status_code == 400
    page = client_for().get(reverse("ledger:transparency", args=[org.slug])).content.decode()
    assert "parlons-census/v1" in page


def test_inline_mode_keeps_the_old_synchronous_call(org):
    with override_settings(PARLONS_LEDGER_INLINE=True):
        entry = services.ledger_append(organisation=org, kind="test", payload={"n": 1})
    assert entry.index == 0 and entry.pk is not None


def test_receipt_check_says_whether_the_ballot_was_in_the_census(org, client_for):
    voter, outsider = "a" * 64, "b" * 64
    services.census_commit(organisation=org, ref="budget:9", pseudonyms=[voter, "c" * 64])
    inside = services.ledger_append(
        organisation=org, kind="ballot", payload={"voter": voter, "choices": []}, ref="budget:9"
    )
    outside = services.ledger_append(
        organisation=org, kind="ballot", payload={"voter": outsider, "choices": []}, ref="budget:9"
    )
    url = reverse("ledger:verify", args=[org.slug])
    page = client_for().get(url, {"code": inside.code}).content.decode()
    assert "in the census committed when the vote opened (2 eligible people)" in page
    page = client_for().get(url, {"code": outside.code}).content.decode()
    assert "is not in the census committed when the vote opened" in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner settings are PostgreSQL's")
def test_the_sequencer_dequeues_by_the_queue_index_and_leaves_the_callers_planner_as_it_was(org):
    codes = [queued(org, {"n": n}).code for n in range(5)]
    with transaction.atomic(), connection.cursor() as cursor:
        assert len(services.ledger_integrate(organisation=org, limit=2)) == 2
        cursor.execute("SHOW enable_seqscan")
        seqscan = cursor.fetchone()[0]
        cursor.execute("SHOW enable_bitmapscan")
        assert (seqscan, cursor.fetchone()[0]) == ("on", "on")
        assert len(services.ledger_integrate(organisation=org, limit=2)) == 2
    assert services.ledger_integrate(organisation=org, limit=2) != {}
    stored = list(
        LedgerEntry.objects.filter(organisation=org).order_by("index").values_list("code", flat=True)
    )
    assert stored == codes  # oldest first, batch after batch
