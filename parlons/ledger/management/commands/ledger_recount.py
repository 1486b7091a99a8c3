"""parlons ledger_recount VOTE_ID: recompute a vote's result from the log alone (through a recount hook)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parlons.common.errors import DomainError
from parlons.ledger import audit


class Command(BaseCommand):
    help = "Recount a closed vote from verified log entries and compare with the published result."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("vote_id")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            result = audit.recount_vote(vote_id=opts["vote_id"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            json.dumps(
                {
                    "vote": result.vote_id,
                    "entries": result.entries,
                    "result": result.result,
                    "published": result.published,
                    "matches": result.matches,
                },
                ensure_ascii=False,
                default=str,
                indent=2,
            )
        )
        if not result.matches:
            raise SystemExit(1)
