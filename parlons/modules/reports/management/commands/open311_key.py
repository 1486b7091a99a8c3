"""``parlons open311_key create|list|revoke --organisation SLUG``: the operator's way to manage Open311 API keys."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parlons.common.errors import DomainError
from parlons.core.models import Component, Organisation
from parlons.modules.reports.open311.selectors import open311_api_key_list
from parlons.modules.reports.open311.services import open311_api_key_create, open311_api_key_revoke


class Command(BaseCommand):
    help = "Create, list or revoke the Open311 API keys of an organisation (the clear key is shown once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["create", "list", "revoke"])
        parser.add_argument("--organisation", required=True, help="the organisation's slug")
        parser.add_argument("--name", default="", help="create: who uses the key")
        parser.add_argument("--component", type=int, help="create: reports component the requests go to")
        parser.add_argument("--id", type=int, help="revoke: the key's id")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"no organisation {options['organisation']!r}")
        try:
            if options["action"] == "create":
                component = None
                if options["component"]:
                    component = Component.objects.filter(pk=options["component"]).first()
                    if component is None:
                        raise CommandError(f"no component {options['component']}")
                key, plaintext = open311_api_key_create(
                    organisation=organisation, by=None, name=options["name"], component=component
                )
                self.stdout.write(f"key {key.pk} created for {organisation.slug}: {plaintext}")
                self.stdout.write("Keep it now: it is not stored and cannot be shown again.")
            elif options["action"] == "revoke":
                if not options["id"]:
                    raise CommandError("revoke needs --id")
                key = open311_api_key_revoke(organisation=organisation, by=None, key_id=options["id"])
                self.stdout.write(f"key {key.pk} revoked")
            else:
                for key in open311_api_key_list(organisation=organisation):
                    state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                    self.stdout.write(f"{key.pk}\t{key.prefix}…\t{key.name}\t{state}")
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
