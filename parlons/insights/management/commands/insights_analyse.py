"""``parlons insights_analyse [--organisation SLUG] [--process SLUG]``: analyse now, without the task queue."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parlons.common.errors import DomainError
from parlons.core.models import Organisation, Process
from parlons.insights.services import analysis_run_now


class Command(BaseCommand):
    help = "Analyse the contributions of an organisation (or one of its processes) into themes, now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", help="the organisation's identifier (default: the default one)")
        parser.add_argument("--process", help="a process identifier: analyse this process only")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["organisation"]
        organisation = (
            Organisation.objects.filter(slug=slug).first()
            if slug
            else Organisation.objects.filter(is_default=True).first()
        )
        if organisation is None:
            raise CommandError(f"no such organisation: {slug}" if slug else "no default organisation")
        process = None
        if options["process"]:
            process = Process.objects.for_organisation(organisation).filter(slug=options["process"]).first()
            if process is None:
                raise CommandError(f"no such process in {organisation.slug}: {options['process']}")
        try:
            run = analysis_run_now(organisation=organisation, process=process)
        except DomainError as error:
            raise CommandError(str(error)) from None
        if options["verbosity"] >= 1:
            themes = run.organisation.themes.filter(process=process, parent_key="").count()
            self.stdout.write(f"{run.texts} contributions analysed into {themes} themes in {run.seconds} s.")
