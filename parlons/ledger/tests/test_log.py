"""The stored log: appends, proofs from stored nodes, checkpoints, receipts, tiles, tamper detection, recount."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from parlons.common.errors import NotFound, ValidationFailed
from parlons.core.models import DecisionEvent
from parlons.core.services import decision_record
from parlons.core.tests.factories import ProcessFactory
from parlons.ledger import audit, merkle, note, receipts, selectors, services
from parlons.ledger.entries import decode_entry
from parlons.ledger.models import LedgerEntry, LedgerLog, LedgerTile
from parlons.ledger.recount import ClosedVote, RecountHook, register_recount, unregister_recount
from parlons.ledger.verifier import DirSource, check_receipt, verify_log

pytestmark = pytest.mark.django_db


def _fill(org, n, start=0):
    return services.ledger_append_many(
        organisation=org, items=[("test", {"i": i}, f"ref-{i % 3}") for i in range(start, start + n)]
    )


def _vkey(org):
    return services.verifier_for(selectors.active_key(organisation=org)).vkey()


def test_append_matches_an_in_memory_tree_and_proofs_come_from_stored_nodes(org):
    entries = _fill(org, 37)
    entries += [services.ledger_append(organisation=org, kind="test", payload={"one": k}) for k in range(4)]
    mem = merkle.MemoryTree(bytes(e.data) and merkle.leaf_hash(bytes(e.data)) for e in entries)
    log = LedgerLog.objects.get(organisation=org)
    assert log.size == 41 and bytes(log.root_hash) == mem.root()
    # Hash tiles: the 41 leaves in one partial tile of level 0 (nothing reaches Merkle level 8 yet).
    [tile] = LedgerTile.objects.filter(organisation=org)
    assert (tile.level, tile.idx, bytes(tile.hashes)) == (0, 0, b"".join(mem.levels[0]))
    for size in (1, 8, 17, 41):
        assert selectors.root_at(organisation=org, size=size) == mem.root(size)
        for i in range(0, size, 5):
            assert selectors.inclusion_proof_get(organisation=org, index=i, size=size) == mem.inclusion_proof(
                i, size
            )
        for s1 in range(1, size + 1, 4):
            assert selectors.consistency_proof_get(
                organisation=org, size1=s1, size2=size
            ) == mem.consistency_proof(s1, size)
    with pytest.raises(NotFound):
        selectors.inclusion_proof_get(organisation=org, index=0, size=42)
    with pytest.raises(ValidationFailed):
        selectors.consistency_proof_get(organisation=org, size1=0, size2=4)


def test_entries_are_canonical_json_and_validated(org):
    e = services.ledger_append(organisation=org, kind="decision", payload={"b": 1, "a": "é"}, ref="x")
    assert bytes(e.data).startswith(b'{"kind":"decision","payload":{"a":"\xc3\xa9","b":1},"ref":"x","time":"')
    assert decode_entry(e.data)["v"] == 1
    assert e.code == services.receipt_code(merkle.leaf_hash(bytes(e.data)))
    with pytest.raises(ValidationFailed):
        services.ledger_append(organisation=org, kind="", payload={})
    with pytest.raises(ValidationFailed):
        services.ledger_append(organisation=org, kind="x", payload={"big": "a" * 70000})
    with pytest.raises(ValidationFailed):
        services.ledger_append(organisation=org, kind="x", payload={"bad": {1, 2}})


def test_proof_query_count_is_constant(org, django_assert_max_num_queries):
    _fill(org, 100)
    with django_assert_max_num_queries(2):
        selectors.inclusion_proof_get(organisation=org, index=37, size=100)


def test_checkpoint_is_a_signed_c2sp_note(org):
    _fill(org, 5)
    cp = services.checkpoint_create(organisation=org, reason="vote_closed")
    parsed, _ = note.open_checkpoint(
        cp.note, [note.Verifier.parse(_vkey(org))], "valmont.example.test/ledger/valmont"
    )
    assert parsed.size == 5 and parsed.root == bytes(cp.root_hash)
    assert cp.note.startswith("valmont.example.test/ledger/valmont\n5\n")
    # The private key is sealed at rest: the seed never appears in the database.
    key = selectors.active_key(organisation=org)
    assert services.signer_for(key).seed() not in bytes(key.sealed_private_key)


def test_hourly_checkpoint_only_when_the_log_grew(org):
    from parlons.ledger.tasks import ledger_hourly_checkpoints

    _fill(org, 3)
    assert ledger_hourly_checkpoints.call_local() == 1
    assert ledger_hourly_checkpoints.call_local() == 0
    _fill(org, 1)
    assert ledger_hourly_checkpoints.call_local() == 1


def test_witness_cosignature_is_verified_stored_and_served(org, client_for):
    _fill(org, 2)
    cp = services.checkpoint_create(organisation=org)
    witness = note.Signer.generate("witness.example")
    wkey = witness.verifier(note.ALG_COSIGNATURE_V1)
    text = note.parse(cp.note).text
    with pytest.raises(ValidationFailed):
        services.checkpoint_add_cosignature(
            checkpoint=cp, witness_vkey=wkey.vkey(), line=witness.cosignature_line(text + "x\n", 5)
        )
    services.checkpoint_add_cosignature(
        checkpoint=cp, witness_vkey=wkey.vkey(), line=witness.cosignature_line(text, 5)
    )
    served = client_for().get("/ledger/valmont/checkpoint").content.decode()
    assert served.startswith(cp.note) and "— witness.example " in served
    parsed = note.parse(served)
    assert note.verify_cosignature(parsed.text, parsed.signatures[1].line, wkey) == 5
    note.open_checkpoint(served, [note.Verifier.parse(_vkey(org))])


def test_decision_record_appends_an_entry_without_personal_data(org, agent):
    process = ProcessFactory(organisation=org)
    event = decision_record(
        organisation=org,
        subject=process,
        by=agent,
        kind=DecisionEvent.Kind.STATUS,
        from_status="open",
        to_status="accepted",
        body="Nous retenons votre proposition.",
        author_role="Service voirie",
        documents=[{"title": "Délibération n°12", "url": "https://example.test/d12"}],
    )
    entry = LedgerEntry.objects.for_organisation(org).get(kind="decision")
    doc = decode_entry(entry.data)
    payload = doc["payload"]
    assert payload["to_status"] == "accepted" and payload["role"] == "Service voirie"
    assert payload["subject"] == services.subject_reference(process) and entry.ref == payload["subject"]
    assert len(payload["body_sha256"]) == 64 and payload["documents"][0]["url_sha256"]
    raw = bytes(entry.data).decode()
    for personal in (agent.email, agent.get_full_name() or agent.email, "Nous retenons", "Délibération"):
        assert personal not in raw
    assert event.pk


def test_private_decision_hides_its_statuses(org):
    decision_record(
        organisation=org,
        subject=ProcessFactory(organisation=org),
        by=None,
        kind="status",
        to_status="internal-review",
        is_public=False,
    )
    raw = bytes(LedgerEntry.objects.for_organisation(org).get().data).decode()
    assert "internal-review" not in raw and "statuses_sha256" in raw


def test_a_failing_log_rolls_back_the_decision(org, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("log down")

    monkeypatch.setattr(services, "ledger_append", boom)
    with pytest.raises(RuntimeError):
        decision_record(
            organisation=org, subject=ProcessFactory(organisation=org), by=None, kind="answer", body="x"
        )
    assert not DecisionEvent.objects.for_organisation(org).exists()


def test_receipt_verifies_offline_and_online_and_names_what_is_wrong(org):
    entries = _fill(org, 12)
    receipt = receipts.receipt_for(entries[7])
    _fill(org, 5)  # the log grows after the receipt
    assert check_receipt(receipt, trusted_keys=[_vkey(org)]).included
    assert receipts.receipt_check_online(organisation=org, receipt=receipt).included
    assert note.parse_tlog_proof(receipt["tlog_proof"])[0] == 7

    altered = dict(receipt, entry=note.b64(b'{"forged":1}'))
    assert {p.code for p in check_receipt(altered, trusted_keys=[_vkey(org)]).problems} >= {"entry_altered"}
    wrong_index = dict(receipt, index=6)
    assert "not_included" in {p.code for p in check_receipt(wrong_index, trusted_keys=[_vkey(org)]).problems}
    other_key = note.Signer.generate("x.example").verifier().vkey()
    assert "checkpoint_signature" in {
        p.code for p in check_receipt(receipt, trusted_keys=[other_key]).problems
    }
    assert check_receipt({"format": "nope"}).problems[0].code == "format"


def test_receipt_command(org, tmp_path, capsys):
    receipt = receipts.receipt_for(_fill(org, 3)[1])
    path = tmp_path / "r.json"
    path.write_text(json.dumps(receipt))
    call_command("ledger_verify", "--receipt", str(path), "--public-key", _vkey(org))
    assert "included: entry 1" in capsys.readouterr().out
    path.write_text(json.dumps(dict(receipt, index=2)))
    with pytest.raises(SystemExit):
        call_command("ledger_verify", "--receipt", str(path), "--public-key", _vkey(org))
    assert "FAIL not_included" in capsys.readouterr().out


# --- Tiles, export and the independent verifier -----------------------------------------------------------------


def test_export_is_verified_by_the_independent_verifier(org, tmp_path):
    _fill(org, 600)  # 2 full level-0 tiles + a partial one, a partial level-1 tile
    call_command("ledger_export", str(tmp_path), "--organisation", "valmont")
    assert (tmp_path / "tile" / "0" / "001").stat().st_size == 8192
    assert (tmp_path / "tile" / "0" / "002.p" / "88").exists()
    assert (tmp_path / "tile" / "1" / "000.p" / "2").exists()
    report = verify_log(DirSource(tmp_path), verifiers=[note.Verifier.parse(_vkey(org))])
    assert report.ok and report.size == 600 and report.entries_checked == 600


def test_verify_command_keeps_state_and_detects_a_rewritten_history(org, tmp_path, capsys):
    _fill(org, 10)
    first, state = tmp_path / "a", tmp_path / "state.json"
    call_command("ledger_export", str(first), "--organisation", "valmont")
    call_command("ledger_verify", "--dir", str(first), "--public-key", _vkey(org), "--state", str(state))
    assert "OK valmont.example.test/ledger/valmont: 10 entries" in capsys.readouterr().out
    _fill(org, 5, start=10)
    second = tmp_path / "b"
    call_command("ledger_export", str(second), "--organisation", "valmont")
    call_command("ledger_verify", "--dir", str(second), "--state", str(state))  # key remembered in the state
    assert "consistent with the 10 seen before" in capsys.readouterr().out
    # A forked log (same key, different history) is caught by the state file.
    json_state = json.loads(state.read_text())
    json_state["size"], json_state["root"] = 10, note.b64(b"\x00" * 32)
    state.write_text(json.dumps(json_state))
    with pytest.raises(SystemExit):
        call_command("ledger_verify", "--dir", str(second), "--state", str(state))
    assert "FAIL inconsistent" in capsys.readouterr().out


def _tamper(org, how):
    rows = list(LedgerEntry.objects.for_organisation(org).order_by("index"))
    if how == "alter":
        LedgerEntry.objects.filter(pk=rows[3].pk).update(data=bytes(rows[3].data).replace(b'"i":3', b'"i":9'))
    elif how == "delete":
        LedgerEntry.objects.filter(pk=rows[3].pk).delete()
    elif how == "reorder":
        LedgerEntry.objects.filter(pk=rows[3].pk).update(data=bytes(rows[4].data))
        LedgerEntry.objects.filter(pk=rows[4].pk).update(data=bytes(rows[3].data))


@pytest.mark.parametrize("how", ["alter", "delete", "reorder"])
def test_tampering_with_a_stored_entry_is_detected_by_ledger_verify(org, tmp_path, how, capsys):
    _fill(org, 8)
    services.checkpoint_create(organisation=org)
    _tamper(org, how)
    if how == "delete":  # the export itself refuses a log with a hole
        with pytest.raises(Exception, match="missing data"):
            call_command("ledger_export", str(tmp_path), "--organisation", "valmont")
        return
    call_command("ledger_export", str(tmp_path), "--organisation", "valmont")
    with pytest.raises(SystemExit):
        call_command("ledger_verify", "--dir", str(tmp_path), "--public-key", _vkey(org))
    out = capsys.readouterr().out
    assert "FAIL tile_mismatch" in out and "FAIL root_mismatch" in out


@pytest.mark.parametrize("how", ["alter", "delete", "reorder"])
def test_tampering_is_detected_through_the_live_urls(org, how, live_server):
    from parlons.ledger.verifier import UrlSource, VerificationFailed

    _fill(org, 300)
    services.checkpoint_create(organisation=org)
    source = UrlSource(f"{live_server.url}/ledger/valmont")
    keys = [note.Verifier.parse(_vkey(org))]
    assert verify_log(source, verifiers=keys).ok
    _tamper(org, how)
    try:
        report = verify_log(source, verifiers=keys)
        assert not report.ok
    except VerificationFailed as exc:  # a deleted entry: the bundle is gone
        assert exc.problems[-1].code == "bundle_missing"


def test_tile_urls_and_caching(org, client_for):
    _fill(org, 260)
    services.checkpoint_create(organisation=org)
    c = client_for()
    full = c.get("/ledger/valmont/tile/0/000")
    assert full.status_code == 200 and len(full.content) == 8192
    assert "immutable" in full["Cache-Control"] and full["Content-Type"] == "application/octet-stream"
    assert c.get("/ledger/valmont/tile/0/001.p/4").status_code == 200
    assert c.get("/ledger/valmont/tile/0/001.p/5").status_code == 404  # not that many leaves yet
    assert c.get("/ledger/valmont/tile/0/001").status_code == 404
    assert c.get("/ledger/valmont/tile/1/000.p/1").content == selectors.root_at(organisation=org, size=256)
    bundle = c.get("/ledger/valmont/tile/entries/001.p/4")
    assert bundle.status_code == 200 and "immutable" not in bundle["Cache-Control"]
    assert c.get("/ledger/valmont/tile/0/1").status_code == 404
    cp = c.get("/ledger/valmont/checkpoint")
    assert cp["Content-Type"] == "text/plain; charset=utf-8" and cp.content.decode().split("\n")[1] == "260"


def test_json_proof_endpoints(org, client_for):
    _fill(org, 20)
    c = client_for()
    r = c.get("/ledger/valmont/proof/inclusion/5/20").json()
    merkle.verify_inclusion(
        5,
        20,
        note._b64d(r["leaf_hash"]),
        [note._b64d(h) for h in r["inclusion_proof"]],
        note._b64d(r["root_hash"]),
    )
    r = c.get("/ledger/valmont/proof/consistency/7/20").json()
    merkle.verify_consistency(
        7, 20, [note._b64d(h) for h in r["consistency_proof"]], note._b64d(r["root1"]), note._b64d(r["root2"])
    )
    assert c.get("/ledger/valmont/proof/inclusion/5/21").status_code == 404
    assert c.get("/ledger/valmont/proof/consistency/0/20").status_code == 422
    r = c.get("/ledger/valmont/entries?start=3&end=6").json()
    assert [e["index"] for e in r["entries"]] == [3, 4, 5] and r["entries"][0]["document"]["payload"] == {
        "i": 3
    }
    assert c.get("/ledger/valmont/entries?start=0&end=5000").status_code == 422


def test_another_town_never_serves_this_log(org, other_org, client_for):
    _fill(org, 3)
    services.checkpoint_create(organisation=org)
    theirs = client_for(organisation=other_org)
    for url in (
        "/ledger/valmont/",
        "/ledger/valmont/checkpoint",
        "/ledger/valmont/tile/0/000.p/3",
        "/ledger/valmont/proof/inclusion/0/3",
        "/ledger/valmont/entries",
    ):
        assert theirs.get(url).status_code == 404, url
    _fill(other_org, 1)
    assert selectors.log_size(organisation=org) == 3
    assert (
        selectors.entry_by_code(
            organisation=other_org, code=LedgerEntry.objects.for_organisation(org).first().code
        )
        is None
    )


# --- Pages ---------------------------------------------------------------------------------------------------------


def test_transparency_page(org, client_for):
    decision_record(
        organisation=org, subject=ProcessFactory(organisation=org), by=None, kind="answer", body="Oui"
    )
    services.checkpoint_create(organisation=org)
    page = client_for().get("/ledger/valmont/")
    html = page.content.decode()
    assert page.status_code == 200
    assert _vkey(org) in html and "valmont.example.test/ledger/valmont" in html
    assert "nothing to recount" in html
    assert "Official answer" in html


def test_receipt_download_and_check_page(org, client_for):
    entry = _fill(org, 4)[2]
    c = client_for()
    download = c.get(f"/ledger/valmont/receipt/{entry.code}")
    assert download["Content-Disposition"].startswith("attachment")
    receipt = json.loads(download.content)
    assert receipt["index"] == 2
    assert (
        c.get(f"/ledger/valmont/receipt/{entry.code}.tlog-proof")
        .content.decode()
        .startswith("c2sp.org/tlog-proof@v1\n")
    )
    ok = c.post("/ledger/valmont/verify", {"receipt_text": json.dumps(receipt)})
    assert "Included." in ok.content.decode()
    bad = c.post("/ledger/valmont/verify", {"receipt_text": json.dumps(dict(receipt, entry=note.b64(b"{}")))})
    assert (
        "Not verified." in bad.content.decode()
        and "no longer matches its fingerprint" in bad.content.decode()
    )
    by_code = c.get("/ledger/valmont/verify", {"code": entry.code.lower().replace("-", "")})
    assert "Included." in by_code.content.decode()
    assert c.post("/ledger/valmont/verify", {"receipt_text": "not json"}).status_code == 400


# --- Recount -------------------------------------------------------------------------------------------------------


def test_recount_without_a_registered_module_says_so(org, monkeypatch):
    monkeypatch.setattr("parlons.ledger.recount._hooks", {})  # installed modules (budgets) register theirs
    with pytest.raises(NotFound, match="No module has registered a recount hook"):
        audit.recount_vote(vote_id="v1")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No module has registered"):
        call_command("ledger_recount", "v1")


def test_recount_of_a_vote_no_module_knows(org):
    with pytest.raises(NotFound, match="No registered module knows the vote"):
        audit.recount_vote(vote_id="v1")


@pytest.fixture
def toy_vote(org):
    """A stand-in for the budgets module: ballots with ref = vote id, majority result."""

    def recount(vote_id, entries):
        tally = {}
        for e in entries:
            if e.kind == "ballot":
                tally[e.payload["choice"]] = tally.get(e.payload["choice"], 0) + 1
        return tally

    register_recount(
        RecountHook(
            key="toy",
            locate=lambda vote_id: org if vote_id == "vote-1" else None,
            closed_votes=lambda o: [ClosedVote("vote-1", "Parc ou piscine")] if o == org else [],
            recount=recount,
            published_result=lambda vote_id: {"parc": 2, "piscine": 1},
        )
    )
    services.ledger_append_many(
        organisation=org,
        items=[
            ("ballot", {"voter": "h1", "choice": "parc"}, "vote-1"),
            ("ballot", {"voter": "h2", "choice": "piscine"}, "vote-1"),
            ("ballot", {"voter": "h3", "choice": "parc"}, "vote-1"),
            ("other", {"x": 1}, ""),
        ],
    )
    services.checkpoint_create(organisation=org, reason="vote_closed")
    yield "vote-1"
    unregister_recount("toy")


def test_recount_matches_and_page_lists_the_vote(org, toy_vote, client_for, capsys):
    result = audit.recount_vote(vote_id=toy_vote)
    assert result.matches and result.entries == 3
    call_command("ledger_recount", toy_vote)
    assert '"matches": true' in capsys.readouterr().out
    c = client_for()
    assert "Parc ou piscine" in c.get("/ledger/valmont/").content.decode()
    assert "matches the published result" in c.get("/ledger/valmont/recount/vote-1").content.decode()


@pytest.mark.parametrize("how", ["alter", "reorder"])
def test_recount_detects_tampering(org, toy_vote, how):
    rows = list(LedgerEntry.objects.for_organisation(org).filter(kind="ballot").order_by("index"))
    if how == "alter":
        LedgerEntry.objects.filter(pk=rows[1].pk).update(
            data=bytes(rows[1].data).replace(b"piscine", b"parc")
        )
    else:
        LedgerEntry.objects.filter(pk=rows[0].pk).update(data=bytes(rows[1].data))
        LedgerEntry.objects.filter(pk=rows[1].pk).update(data=bytes(rows[0].data))
    with pytest.raises(audit.TamperDetected):
        audit.recount_vote(vote_id=toy_vote)


def test_recount_detects_a_deleted_ballot(org, toy_vote):
    LedgerEntry.objects.filter(organisation=org, kind="ballot").first().delete()
    assert not audit.recount_vote(vote_id=toy_vote).matches
