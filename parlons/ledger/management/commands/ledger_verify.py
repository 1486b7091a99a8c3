"""parlons ledger_verify --origin URL | --dir DIR [--public-key VKEY] [--receipt FILE] [--state FILE]

Verifies a transparency log from the outside, using only what it publishes (C2SP tlog-tiles), and/or a
receipt. Exit status 0 when everything verifies, 1 otherwise (each problem printed on its own line).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parlons.ledger import note
from parlons.ledger.verifier import (
    DirSource,
    Source,
    UrlSource,
    VerificationFailed,
    check_receipt,
    load_state,
    save_state,
    state_after,
    verify_log,
)


class Command(BaseCommand):
    help = "Verify a Parlons transparency log (tiles, signature, root, consistency) and/or a receipt."

    def add_arguments(self, parser: Any) -> None:
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--origin", help="URL prefix of the log, e.g. https://ville.fr/ledger/ville")
        where.add_argument("--dir", help="a directory holding the log in the tlog-tiles layout")
        parser.add_argument(
            "--public-key", action="append", default=[], help="verifier key (name+id+key); repeatable"
        )
        parser.add_argument("--receipt", help="a receipt file (JSON) to check")
        parser.add_argument("--state", help="state file remembering the last checkpoint seen (default: none)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not (opts["origin"] or opts["dir"] or opts["receipt"]):
            raise CommandError("give --origin URL, --dir DIR or --receipt FILE")
        try:
            pinned = [note.Verifier.parse(k) for k in opts["public_key"]]
        except note.NoteError as exc:
            raise CommandError(f"invalid --public-key: {exc}") from exc
        state_path = Path(opts["state"]) if opts["state"] else None
        state = load_state(state_path) if state_path else None
        if not pinned and state and state.get("public_key"):
            pinned = [note.Verifier.parse(state["public_key"])]
        failed = False

        if opts["origin"] or opts["dir"]:
            if not pinned:
                raise CommandError("give --public-key (the key published on the transparency page)")
            source: Source = UrlSource(opts["origin"]) if opts["origin"] else DirSource(opts["dir"])
            try:
                report = verify_log(source, verifiers=pinned, state=state)
            except VerificationFailed as exc:
                for p in exc.problems:
                    self.stdout.write(f"FAIL {p}")
                raise SystemExit(1) from exc
            except OSError as exc:
                raise CommandError(f"cannot read the log: {exc}") from exc
            for p in report.problems:
                self.stdout.write(f"FAIL {p}")
            if report.ok:
                self.stdout.write(
                    f"OK {report.origin}: {report.size} entries, root {note.b64(report.root)}"
                    + (
                        f", consistent with the {report.previous_size} seen before"
                        if report.previous_size
                        else ""
                    )
                )
                if state_path:
                    save_state(state_path, {**state_after(report), "public_key": pinned[0].vkey()})
            failed = failed or not report.ok

        if opts["receipt"]:
            try:
                receipt = json.loads(Path(opts["receipt"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read the receipt: {exc}") from exc
            result = check_receipt(receipt, trusted_keys=[v.vkey() for v in pinned] or None)
            for w in result.warnings:
                self.stdout.write(f"WARNING {w}")
            for p in result.problems:
                self.stdout.write(f"FAIL {p}")
            if result.included:
                self.stdout.write(f"included: entry {result.index} in {result.origin} at size {result.size}")
            failed = failed or not result.included
        if failed:
            raise SystemExit(1)
