"""``parlons open311_import FILE.json|FILE.xml --component ID``: import another server's GeoReport v2 responses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from parlons.core.models import Component
from parlons.modules.reports.open311.reading import UnreadableDocument, read_document
from parlons.modules.reports.open311.services import open311_import


class Command(BaseCommand):
    help = (
        "Import GeoReport v2 responses (a services list, or service requests; JSON or XML) into a reports "
        "component. Importing the same file again adds nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="GeoReport v2 responses (.json or .xml)")
        parser.add_argument("--component", type=int, required=True, help="id of the reports component")
        parser.add_argument(
            "--source", default="", help="name of the server the files come from (default: the file name)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        component = (
            Component.objects.select_related("process__organisation").filter(pk=options["component"]).first()
        )
        if component is None or component.module_key != "reports":
            raise CommandError(f"no reports component with id {options['component']}")
        for path in options["files"]:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            try:
                document = read_document(
                    path.read_bytes(), name=path.name, default_tz=timezone.get_current_timezone()
                )
            except UnreadableDocument as exc:
                raise CommandError(f"{path}: {exc}") from exc
            summary = open311_import(
                component=component, document=document, source=options["source"] or path.name
            )
            for problem in summary.problems:
                self.stderr.write(f"{path.name}: {problem}")
            self.stdout.write(
                f"{path.name}: {summary.created} reports created, {summary.skipped} skipped, "
                f"{summary.categories_created} categories created"
            )
