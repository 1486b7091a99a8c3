"""``parlons insights_topics --input FILE --text-field F --id-field F [--lang fr|en|auto] --json``.

Runs the topic pipeline of the analysis page on a file and prints the themes and where each contribution went.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parlons.insights.text.reader import InputError, read_docs
from parlons.insights.text.topics import analyse_topics


class Command(BaseCommand):
    help = "Cluster the texts of a CSV or JSON Lines file into themes (the analysis page's pipeline)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, type=Path, help="a .csv (',' or ';') or .jsonl file")
        parser.add_argument("--text-field", required=True)
        parser.add_argument("--id-field", required=True)
        parser.add_argument("--lang", choices=("fr", "en", "auto"), default="auto")
        parser.add_argument("--topics", type=int, default=None, help="number of themes (default: chosen)")
        parser.add_argument("--json", action="store_true", help="print JSON (default: a readable summary)")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        lang = None if options["lang"] == "auto" else options["lang"]
        try:
            docs = read_docs(
                options["input"], text_field=options["text_field"], id_field=options["id_field"], lang=lang
            )
        except InputError as error:
            where = (
                f"{options['input']}: line {error.line}: "
                if error.line is not None
                else f"{options['input']}: "
            )
            raise CommandError(where + error.reason) from None
        if options["topics"] is not None and options["topics"] < 1:
            raise CommandError("--topics must be at least 1")
        result = analyse_topics(docs, n_topics=options["topics"], default_lang=lang or "fr")
        seconds = round(time.perf_counter() - started, 3)
        if options["json"]:
            payload = {
                "topics": [
                    {
                        "id": t.id,
                        "label": t.label,
                        "keywords": list(t.keywords),
                        "size": t.size,
                        "parent": t.parent,
                    }
                    for t in result.topics
                ],
                "assignments": result.assignments,
                "seconds": seconds,
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        for theme in result.themes:
            self.stdout.write(f"{theme.id}  {theme.size:>6}  {theme.label}  ({', '.join(theme.keywords)})")
            for sub in result.children(theme.id):
                self.stdout.write(f"  {sub.id}  {sub.size:>6}  {sub.label}")
        unplaced = sum(1 for t in result.assignments.values() if t is None)
        self.stdout.write(f"{len(docs)} texts, {unplaced} without content, {seconds} s")
