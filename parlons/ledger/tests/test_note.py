"""Signed notes, keys, checkpoints, cosignatures, tlog-proof, tiles paths."""

from __future__ import annotations

import json

import pytest

from parlons.ledger import note, tiles


def test_sign_open_round_trip_and_tampering():
    signer = note.Signer.generate("ville.example/ledger/ville")
    v = signer.verifier()
    assert note.Verifier.parse(v.vkey()) == v
    assert note.Signer.parse(signer.skey()).seed() == signer.seed()
    cp = note.Checkpoint("ville.example/ledger/ville", 42, b"\x07" * 32)
    signed = note.sign(cp.text(), signer)
    opened, _parsed = note.open_checkpoint(signed, [v], "ville.example/ledger/ville")
    assert opened == cp
    with pytest.raises(note.NoteError):
        note.open_checkpoint(signed.replace("\n42\n", "\n43\n"), [v])
    with pytest.raises(note.NoteError):
        note.open_checkpoint(signed, [note.Signer.generate("ville.example/ledger/ville").verifier()])
    with pytest.raises(note.NoteError):
        note.open_checkpoint(signed, [v], "autre.example/ledger/autre")


def test_key_id_is_sha256_of_name_newline_alg_key():
    import hashlib

    signer = note.Signer.from_seed("n", bytes(32))
    pub = signer.verifier().public_key
    assert signer.verifier().key_id == hashlib.sha256(b"n\n\x01" + pub).digest()[:4]


def test_cosignature_round_trip():
    text = note.Checkpoint("o.example", 3, b"\x01" * 32).text()
    witness = note.Signer.generate("witness.example")
    line = witness.cosignature_line(text, 1_700_000_000)
    wv = witness.verifier(note.ALG_COSIGNATURE_V1)
    assert note.verify_cosignature(text, line, wv) == 1_700_000_000
    with pytest.raises(note.NoteError):
        note.verify_cosignature(text.replace("\n3\n", "\n4\n"), line, wv)
    with pytest.raises(note.NoteError):
        note.verify_cosignature(text, line, witness.verifier())  # a note key is not a witness key


def test_tlog_proof_round_trip():
    text = note.tlog_proof(5, [b"\x02" * 32, b"\x03" * 32], "o\n1\nAAAA\n\n— o sig\n", extra=b"x")
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra eA==\nindex 5\n")
    assert note.parse_tlog_proof(text) == (5, [b"\x02" * 32, b"\x03" * 32], "o\n1\nAAAA\n\n— o sig\n", b"x")


@pytest.mark.parametrize(
    ("n", "path"), [(0, "000"), (5, "005"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")]
)
def test_tile_index_encoding(n, path):
    assert tiles.encode_index(n) == path
    assert tiles.parse_path(f"tile/0/{path}") == tiles.TileRef(0, n, 256)


def test_tile_paths_parse_and_reject():
    assert tiles.parse_path("tile/entries/x001/234.p/7") == tiles.TileRef(None, 1234, 7)
    assert tiles.TileRef(2, 1234, 7).path() == "tile/2/x001/234.p/7"
    for bad in [
        "tile/0/1",
        "tile/0/x001",
        "tile/01/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/64/000",
        "tile/0/x000/001",
    ]:
        with pytest.raises(ValueError):
            tiles.parse_path(bad)


def test_tiles_for_size_70000_as_in_the_spec():
    refs = list(tiles.tiles_for_size(70000, entries=False))
    level0 = [r for r in refs if r.level == 0]
    assert len(level0) == 274 and level0[-1].width == 112
    assert [r.width for r in refs if r.level == 1] == [256, 17]
    assert [r.width for r in refs if r.level == 2] == [1]
    assert [(r.level, r.width) for r in tiles.tiles_for_size(256, entries=False)] == [(0, 256), (1, 1)]


def test_bundle_round_trip():
    entries = [b"", b"a", bytes(300)]
    assert tiles.decode_bundle(tiles.encode_bundle(entries)) == entries
    with pytest.raises(ValueError):
        tiles.decode_bundle(b"\x00\x05ab")


# --- Real vectors ---------------------------------------------------------------------------------------------


@pytest.fixture
def vectors(shared_data):
    return json.loads((shared_data / "merkle" / "signed-note-vectors.json").read_text())


def test_c2sp_example_note_verifies(vectors):
    ex = vectors["c2sp_signed_note_example"]
    v = note.Verifier.parse(ex["vkey"])
    assert v.key_id.hex() == "530d903a"
    parsed, good = note.open_note(ex["signed_note"], [v])
    assert parsed.text == ex["note_text_signed_bytes"] and good == [v]


def test_go_sumdb_signature_is_byte_identical(vectors):
    case = vectors["go_sumdb_note_sign"]
    signer = note.Signer.parse(case["skey"])
    assert signer.verifier().vkey() == case["vkey"]
    assert signer.skey() == case["skey"]
    assert note.sign(case["text"], signer) == case["expected_signed_note"]


def test_unknown_key_signature_is_ignored(vectors):
    peter = note.Verifier.parse(vectors["go_sumdb_note_sign"]["vkey"])
    enoch = note.Verifier.parse(vectors["go_sumdb_note_second_key"]["vkey"])
    both = (
        vectors["go_sumdb_note_sign"]["expected_signed_note"]
        + vectors["go_sumdb_note_second_key"]["signature_line"]
    )
    assert note.open_note(both, [peter])[1] == [peter]
    assert note.open_note(both, [peter, enoch])[1] == [peter, enoch]


def test_malformed_vkeys_are_rejected(vectors):
    for bad in vectors["vkey_rejects"]["must_reject"]:
        with pytest.raises(note.NoteError):
            note.Verifier.parse(bad)


def test_checkpoint_layout_and_cosignature_message(vectors):
    ex = vectors["checkpoint_format_examples_unverifiable"]
    parsed = note.parse(ex["checkpoint"])
    cp = note.Checkpoint.parse_text(parsed.text)
    assert (cp.origin, cp.size, cp.text()) == ("example.com/behind-the-sofa", 20852163, parsed.text)
    assert (
        note.cosignature_message(parsed.text, 1679315147).decode()
        == ex["cosigned_message_for_time_1679315147"]
    )
