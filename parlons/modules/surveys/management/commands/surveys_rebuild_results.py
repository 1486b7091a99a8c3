"""``parlons surveys_rebuild_results [--survey ID ...]``: recompute the surveys' result aggregates."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parlons.modules.surveys import services
from parlons.modules.surveys.models import Survey


class Command(BaseCommand):
    help = (
        "Recompute the aggregate counts the results pages read, from the answers of the sent responses "
        "(after a bulk load or an import that bypassed the services, or to repair them)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--survey", type=int, action="append", help="only this survey (id, repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        surveys = Survey.objects.filter(is_template=False).order_by("pk")
        if options["survey"]:
            surveys = surveys.filter(pk__in=options["survey"])
            missing = set(options["survey"]) - set(surveys.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"unknown survey id(s): {', '.join(map(str, sorted(missing)))}")
        for survey in surveys:
            started = time.monotonic()
            written = services.survey_rebuild_results(survey=survey)
            self.stdout.write(
                f"survey {survey.pk}: {written} aggregate rows in {time.monotonic() - started:.1f} s"
            )
