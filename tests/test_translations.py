"""The French catalogue is complete: French is the towns' language, so no interface text may stay in English."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CATALOGUE = Path(__file__).resolve().parent.parent / "parlons" / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[dict[str, str]]:
    """Split a .po file into entries (flags, msgid, msgstr) — enough of the format for this check."""
    entries = []
    for block in text.split("\n\n"):
        lines = [line for line in block.strip().splitlines() if not line.startswith("#~")]
        entry: dict[str, str] = {"flags": "", "msgid": "", "msgstr": ""}
        current = None
        for line in lines:
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith(("msgid ", "msgid_plural ")):
                current = "msgid" if line.startswith("msgid ") else "plural"
                if current == "msgid":
                    entry["msgid"] += line.split(" ", 1)[1].strip('"')
            elif line.startswith("msgstr"):
                current = "msgstr"
                entry["msgstr"] += line.split(" ", 1)[1].strip('"')
            elif line.startswith('"') and current in ("msgid", "msgstr"):
                entry[current] += line.strip('"')
        if lines and any(line.startswith("msgid") for line in lines):
            entries.append(entry)
    return entries


def test_every_french_entry_is_translated_and_none_is_fuzzy():
    entries = [e for e in _entries(CATALOGUE.read_text(encoding="utf-8")) if e["msgid"]]
    assert len(entries) > 500
    untranslated = [e["msgid"] for e in entries if not e["msgstr"]]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [], f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (gettext) is not installed")
def test_catalogue_compiles_with_consistent_placeholders():
    done = subprocess.run(
        ["msgfmt", "--check-format", "-o", "/dev/null", str(CATALOGUE)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
