"""``parlons organisation_create``: add a town hall (tenant) to this install, with its first administrator."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from parlons.common.errors import DomainError
from parlons.core.services import organisation_create


class Command(BaseCommand):
    help = (
        "Create an organisation (a town hall). Example: parlons organisation_create --slug valmont "
        '--name "Valmont" --host participer.valmont.fr --languages fr,en --admin-email maire@valmont.fr'
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--slug", required=True, help="identifier used in addresses (letters, digits, dashes)"
        )
        parser.add_argument("--name", required=True, help="the organisation's name as shown to people")
        parser.add_argument(
            "--host", default=None, help="host name it answers on, e.g. participer.valmont.fr"
        )
        parser.add_argument("--default", action="store_true", help="make it the default organisation")
        parser.add_argument(
            "--languages", default="fr,en", help="comma-separated language codes (default: fr,en)"
        )
        parser.add_argument("--admin-email", default=None, help="e-mail of its first administrator")

    def handle(self, *args: Any, **options: Any) -> None:
        known = {code for code, _name in settings.LANGUAGES}
        languages = [code.strip() for code in options["languages"].split(",") if code.strip()]
        unknown = [code for code in languages if code not in known]
        if unknown or not languages:
            raise CommandError(
                _("Unknown language code(s): %(codes)s. Available: %(known)s.")
                % {"codes": ", ".join(unknown) or "—", "known": ", ".join(sorted(known))}
            )
        name = options["name"].strip()
        if not name:
            raise CommandError(_("The organisation needs a name."))
        if options["admin_email"]:
            try:
                validate_email(options["admin_email"])
            except ValidationError as exc:
                raise CommandError(_("Enter a valid e-mail address.")) from exc
        try:
            org = organisation_create(
                slug=options["slug"],
                name=name,
                host=options["host"],
                is_default=options["default"],
                languages=languages,
                admin_email=options["admin_email"],
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Organisation “%(name)s” created (identifier: %(slug)s).")
                % {"name": org.name, "slug": org.slug}
            )
        )
        if org.host:
            self.stdout.write(_("It answers on https://%(host)s/") % {"host": org.host})
        elif settings.PARLONS_PATH_PREFIX_TENANTS:
            self.stdout.write(_("It answers on /o/%(slug)s/") % {"slug": org.slug})
        if options["admin_email"]:
            self.stdout.write(
                _("Administrator: %(email)s (signs in with a code sent by e-mail).")
                % {"email": options["admin_email"]}
            )
