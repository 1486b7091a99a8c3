"""``parlons opinion_groups DIR --json``: the opinion groups of a conversation exported in Pol.is's format."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parlons.insights.opinion.pipeline import compute
from parlons.insights.opinion.polis_format import PolisFormatError, read_conversation


class Command(BaseCommand):
    help = "Compute Pol.is-style opinion groups, representative and consensus statements of a Pol.is export folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="folder holding votes.csv (and comments.csv)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            conversation = read_conversation(options["directory"])
        except PolisFormatError as exc:
            raise CommandError(str(exc)) from exc
        result = compute(
            conversation.matrix(),
            excluded=conversation.moderated_out(),
            previous_in_conversation=conversation.in_conversation(),
        )
        seconds = time.perf_counter() - started
        if result.ok:
            out: dict[str, Any] = {
                "groups": {str(p): g for p, g in result.groups.items()},  # type: ignore[union-attr]
                "consensus": result.consensus_ids(),  # type: ignore[union-attr]
                "repness": {str(g): ids for g, ids in result.repness_ids().items()},  # type: ignore[union-attr]
                "seconds": round(seconds, 4),
            }
        else:
            data = result.as_dict()
            out = {
                "groups": {},
                "consensus": [],
                "repness": {},
                "seconds": round(seconds, 4),
                "too_few_votes": {
                    k: data[k] for k in ("reason", "participants", "in_conversation_count", "votes", "counts")
                },
            }
        if options["json"]:
            self.stdout.write(json.dumps(out))
            return
        if not result.ok:
            self.stdout.write(f"Too few votes to form opinion groups ({out['too_few_votes']['reason']}).")
            return
        sizes: dict[int, int] = {}
        for group in out["groups"].values():
            sizes[group] = sizes.get(group, 0) + 1
        for group, size in sorted(sizes.items()):
            self.stdout.write(
                f"group {group}: {size} participants, representative {out['repness'][str(group)]}"
            )
        self.stdout.write(f"consensus: {out['consensus']}  ({seconds:.2f} s)")
