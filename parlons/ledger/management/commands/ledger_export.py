"""parlons ledger_export DIR --organisation SLUG: write the log in the C2SP tlog-tiles layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parlons.common.errors import DomainError
from parlons.core.models import Organisation
from parlons.ledger import audit, services


class Command(BaseCommand):
    help = "Export an organisation's transparency log as static tiles (checkpoint, tile/, tile/entries/)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("directory")
        parser.add_argument("--organisation", required=True, help="the organisation's slug")

    def handle(self, *args: Any, **opts: Any) -> None:
        org = Organisation.objects.filter(slug=opts["organisation"]).first()
        if org is None:
            raise CommandError(f"no organisation {opts['organisation']!r}")
        services.ledger_log_ensure(organisation=org)
        try:
            checkpoint = audit.export_tiles(organisation=org, directory=Path(opts["directory"]))
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        key = services.verifier_for(checkpoint.key).vkey()
        self.stdout.write(f"exported {checkpoint.size} entries to {opts['directory']}\npublic key: {key}")
