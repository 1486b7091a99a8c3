"""``parlons insights_topics`` on CSV and JSON Lines files, and its errors on bad input."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from parlons.insights.tests.test_topics import BENCHES, CYCLING, NOISE

TEXTS = CYCLING + BENCHES + NOISE


def _run(*args):
    from io import StringIO

    out = StringIO()
    call_command("insights_topics", *args, stdout=out)
    return out.getvalue()


def test_jsonl_file_gives_topics_and_assignments(tmp_path):
    path = tmp_path / "contributions.jsonl"
    lines = [json.dumps({"id": i, "body": t}, ensure_ascii=False) for i, t in enumerate(TEXTS)]
    lines.append(json.dumps({"id": "empty", "body": ""}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    payload = json.loads(_run("--input", str(path), "--text-field", "body", "--id-field", "id", "--json"))
    assert set(payload) == {"topics", "assignments", "seconds"}
    themes = [t for t in payload["topics"] if t["parent"] is None]
    assert 2 <= len(themes) <= 6
    for topic in payload["topics"]:
        assert {"id", "label", "keywords", "size"} <= set(topic) and topic["label"] and topic["keywords"]
    assert set(payload["assignments"]) == {str(i) for i in range(len(TEXTS))} | {"empty"}
    assert payload["assignments"]["empty"] is None
    assert payload["assignments"]["0"] == payload["assignments"]["1"]
    assert sum(t["size"] for t in themes) == len(TEXTS)
    assert payload["seconds"] >= 0


def test_semicolon_csv_and_a_fixed_language(tmp_path):
    path = tmp_path / "export.csv"
    rows = ["ref;texte"] + [f'{i};"{t}"' for i, t in enumerate(TEXTS)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    payload = json.loads(
        _run("--input", str(path), "--text-field", "texte", "--id-field", "ref", "--lang", "fr", "--json")
    )
    assert len(payload["assignments"]) == len(TEXTS)


def test_readable_summary_without_json(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "id,text\n" + "\n".join(f'{i},"{t}"' for i, t in enumerate(TEXTS)) + "\n", encoding="utf-8"
    )
    out = _run("--input", str(path), "--text-field", "text", "--id-field", "id")
    assert f"{len(TEXTS)} texts" in out


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", "id,title\n1,x\n", "line 1: no column 'text'"),
        ("ragged.csv", 'id,text\n1,"a"\n2,"b",extra\n', "line 3: 3 fields where the header has 2"),
        ("quote.csv", 'id,text\n1,"never closed\n', "malformed CSV"),
        ("bad.jsonl", '{"id": 1, "text": "ok"}\n{"id": 2, "text": \n', "line 2: invalid JSON"),
        ("nofield.jsonl", '{"id": 1, "text": "ok"}\n{"id": 2}\n', "line 2: no field 'text'"),
        ("array.jsonl", "[1, 2]\n", "line 1: each line must be a JSON object"),
        ("dup.jsonl", '{"id": 1, "text": "a"}\n{"id": 1, "text": "b"}\n', "line 2: duplicate id '1'"),
        ("empty.csv", "", "line 1: empty file"),
        ("notes.txt", "hello", "unsupported file type .txt"),
    ],
)
def test_bad_input_says_where_and_why(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as error:
        _run("--input", str(path), "--text-field", "text", "--id-field", "id", "--json")
    assert message in str(error.value)


def test_a_missing_file_and_latin1_bytes_are_refused(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        _run("--input", str(tmp_path / "nope.csv"), "--text-field", "text", "--id-field", "id")
    path = tmp_path / "latin.csv"
    path.write_bytes("id,text\n1,cr\xe9er\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        _run("--input", str(path), "--text-field", "text", "--id-field", "id")


def test_exit_code_is_not_zero_on_bad_input(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "bad.jsonl"
    path.write_text("{oops\n", encoding="utf-8")
    parlons = Path(sys.executable).parent / "parlons"
    done = subprocess.run(
        [
            str(parlons),
            "insights_topics",
            "--input",
            str(path),
            "--text-field",
            "t",
            "--id-field",
            "id",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "bad.jsonl: line 1: invalid JSON" in done.stderr
