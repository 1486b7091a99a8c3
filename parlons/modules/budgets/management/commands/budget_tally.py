"""``parlons budget_tally FILE.pb --rule mes --json``: tally a Pabulib file with the platform's vote rules."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parlons.modules.budgets import pabulib, vote_rules


class Command(BaseCommand):
    help = "Compute the winners of a Pabulib .pb file with one of the vote rules."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to a .pb file")
        parser.add_argument("--rule", choices=vote_rules.RULES, default="mes")
        parser.add_argument("--json", action="store_true", help="print a JSON object instead of text")
        parser.add_argument("--exact", action="store_true", help="compute MES in exact fractions throughout")

    def handle(self, *args, **options) -> None:
        try:
            election = pabulib.load(options["file"]).election()
        except OSError as exc:
            raise CommandError(f"{options['file']}: {exc.strerror}") from exc
        except pabulib.PabulibError as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        started = time.perf_counter()
        outcome = vote_rules.tally(election, options["rule"], exact=options["exact"])
        seconds = time.perf_counter() - started
        cost = outcome.cost if isinstance(outcome.cost, int) else float(outcome.cost)
        if options["json"]:
            self.stdout.write(
                json.dumps({"winners": list(outcome.winners), "cost": cost, "seconds": round(seconds, 4)})
            )
            return
        self.stdout.write(
            f"rule {outcome.rule}: {len(outcome.winners)} winners, cost {cost} of {outcome.budget}"
        )
        for line in outcome.explanation:
            price = (
                f", at most {line.price_per_supporter:.2f} each"
                if line.price_per_supporter is not None
                else ""
            )
            self.stdout.write(
                f"  {line.round:>3}. {line.project_id} ({line.stage}) cost {line.cost}, {line.supporters} supporters{price}"
            )
        self.stdout.write(f"{seconds:.3f} s")
