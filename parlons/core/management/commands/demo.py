"""``parlons demo``: load the fictional town of Valmont-sur-Loire, idempotently.

Everything goes through the service functions, as the system (``by=None``). Running the command again
changes nothing and creates no duplicates: each object is looked up by its identifier first. Every
registered participation module gets a component in each demo process and fills it with its own ``seed``,
so a new module brings its demo content without this command naming it.
"""

from __future__ import annotations

import io
import math
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parlons.accounts.models import Membership, Role, User
from parlons.accounts.services import membership_ensure, user_get_or_create
from parlons.core import registry
from parlons.core.models import Area, Component, Organisation, Process, Service, Topic
from parlons.core.services import (
    area_create,
    component_add,
    component_publish,
    membership_set_role,
    organisation_create,
    organisation_update_branding,
    phase_create,
    process_create,
    process_set_visibility,
    service_create,
    topic_create,
)

DEMO_PASSWORD = "parlons-demo"
ORG_SLUG = "valmont-sur-loire"
ORG_NAME = "Valmont-sur-Loire"
CENTRE = (0.98, 47.40)  # longitude, latitude: on the Loire, between Tours and Amboise (the town is fictional)
PRIMARY, ACCENT = "#1d4e89", "#9c3d00"  # 8.4:1 and 6.6:1 on white
LOGO_PATH = "organisations/logos/valmont-sur-loire.png"

# (e-mail, role, service slug, display name, what the login shows)
DEMO_LOGINS = (
    ("admin@valmont.demo", Role.ADMIN, None, "Sophie Lefèvre", gettext_noop("administrator")),
    ("moderation@valmont.demo", Role.MODERATOR, None, "Karim Benali", gettext_noop("moderator")),
    (
        "voirie@valmont.demo",
        Role.AGENT,
        "voirie",
        "Julien Moreau",
        gettext_noop("agent of the roads service"),
    ),
    (
        "citoyen@valmont.demo",
        Role.CITIZEN,
        None,
        "Camille Durand",
        gettext_noop("citizen, e-mail and census verified"),
    ),
)
OPERATOR_EMAIL = "operateur@valmont.demo"
# The demo citizen's census identity; the census also lists the other residents below.
CITIZEN_CENSUS = ("VAL-0001", date(1986, 4, 12), "37530")

DISTRICTS = (  # central district, then the five sectors of the ring clockwise from the north
    ("centre-ville", "Centre-ville", "Q1"),
    ("les-rives", "Les Rives", "Q2"),
    ("la-gare", "La Gare", "Q3"),
    ("les-tilleuls", "Les Tilleuls", "Q4"),
    ("saint-martin", "Saint-Martin", "Q5"),
    ("les-coteaux", "Les Coteaux", "Q6"),
)
SERVICES = (
    ("voirie", "Voirie", "voirie@mairie-valmont.fr", "Chaussées, trottoirs, signalisation et stationnement."),
    (
        "proprete",
        "Propreté",
        "proprete@mairie-valmont.fr",
        "Nettoyage des rues, dépôts sauvages, tags et corbeilles.",
    ),
    (
        "eclairage-public",
        "Éclairage public",
        "eclairage@mairie-valmont.fr",
        "Lampadaires, illuminations et économies d'énergie.",
    ),
    (
        "espaces-verts",
        "Espaces verts",
        "espaces-verts@mairie-valmont.fr",
        "Parcs, jardins, arbres d'alignement et aires de jeux.",
    ),
    (
        "urbanisme",
        "Urbanisme",
        "urbanisme@mairie-valmont.fr",
        "Permis de construire, plan local d'urbanisme et grands projets.",
    ),
)
TOPICS = (
    ("mobilites", "Mobilités", "Vélo, marche, transports en commun, stationnement."),
    ("environnement", "Environnement", "Climat, biodiversité, Loire et énergie."),
    ("cadre-de-vie", "Cadre de vie", "Propreté, tranquillité, espaces publics."),
    ("solidarites", "Solidarités", "Aînés, handicap, précarité, lien entre voisins."),
    ("culture-patrimoine", "Culture et patrimoine", "Médiathèque, fêtes, patrimoine ligérien."),
    ("jeunesse-education", "Jeunesse et éducation", "Écoles, périscolaire, conseil municipal des jeunes."),
    ("sport", "Sport", "Équipements sportifs, associations, sport en plein air."),
    ("economie-locale", "Économie locale", "Commerce de centre-ville, marché, emploi."),
)
FIRST_NAMES = (
    "Louise",
    "Gabriel",
    "Emma",
    "Léo",
    "Jade",
    "Raphaël",
    "Alice",
    "Arthur",
    "Chloé",
    "Lucas",
    "Inès",
    "Hugo",
    "Léa",
    "Nathan",
    "Manon",
    "Yanis",
    "Sarah",
    "Adam",
    "Zoé",
    "Mathis",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "Andre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "Francois",
    "Martinez",
    "Nguyen",
    "Haddad",
    "Diallo",
    "Rousseau",
    "Blanc",
    "Guerin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
)
CITIZEN_COUNT = 40


def _citizens() -> list[tuple[str, str]]:
    """Forty residents (e-mail, display name), the same on every run."""
    people = []
    for i in range(CITIZEN_COUNT):
        first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[i]
        email = f"{first}.{last}@valmont.demo".lower().replace("é", "e").replace("ë", "e").replace("ï", "i")
        people.append((email, f"{first} {last[0]}."))
    return people


# --- Geography ---------------------------------------------------------------------------------------

METRES_PER_DEGREE_LAT = 111_320.0


def _ring_points(radius_m: float, wobble: float, count: int) -> list[tuple[float, float]]:
    """Points of a closed, gently irregular loop around the centre (longitude, latitude), clockwise from north."""
    lon0, lat0 = CENTRE
    per_lon = METRES_PER_DEGREE_LAT * math.cos(math.radians(lat0))
    points = []
    for k in range(count):
        angle = 2 * math.pi * k / count
        r = radius_m * (1 + wobble * math.sin(3 * angle + 0.7) + wobble * 0.5 * math.cos(5 * angle))
        dx, dy = r * math.sin(angle), r * math.cos(angle)
        points.append((round(lon0 + dx / per_lon, 6), round(lat0 + dy / METRES_PER_DEGREE_LAT, 6)))
    return points


def district_geometries() -> list[MultiPolygon]:
    """Six districts tiling the town: a central one and five sectors of the ring around it.

    Neighbouring districts share the very same vertices, so they touch without overlapping.
    """
    sectors, per_sector = 5, 12
    count = sectors * per_sector
    inner = _ring_points(1000, 0.08, count)
    outer = _ring_points(2600, 0.12, count)
    shapes = [MultiPolygon(Polygon([*inner[::-1], inner[-1]]), srid=4326)]
    for s in range(sectors):
        idx = [(s * per_sector + k) % count for k in range(per_sector + 1)]
        ring = [outer[i] for i in idx] + [inner[i] for i in reversed(idx)]
        shapes.append(MultiPolygon(Polygon([*ring, ring[0]]), srid=4326))
    for shape in shapes:
        if not shape.valid:
            raise ValueError(shape.valid_reason)
    return shapes


# --- Pictures ----------------------------------------------------------------------------------------


def logo_png() -> bytes:
    """A simple coat of arms: a shield in the town's colours, with the Loire's wave and three towers."""
    from PIL import Image, ImageDraw

    size, scale = 256, 4
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    blue, orange, white = (29, 78, 137), (156, 61, 0), (255, 255, 255)
    top, mid, bottom = s * 0.06, s * 0.62, s * 0.96
    left, right = s * 0.12, s * 0.88
    shield = [(left, top), (right, top), (right, mid), (s / 2, bottom), (left, mid)]
    d.polygon(shield, fill=blue)
    # Three towers of the old town walls.
    for i, x in enumerate((0.3, 0.5, 0.7)):
        height = 0.22 if i == 1 else 0.17
        x0, x1 = s * (x - 0.07), s * (x + 0.07)
        y1 = s * 0.45
        y0 = y1 - s * height
        d.rectangle((x0, y0, x1, y1), fill=white)
        for c in range(3):
            cx = x0 + (x1 - x0) * (c / 2.5)
            d.rectangle((cx, y0 - s * 0.035, cx + (x1 - x0) / 5, y0), fill=white)
    # The Loire: an orange wave across the shield.
    wave = []
    for k in range(41):
        x = left + (right - left) * k / 40
        wave.append((x, s * 0.55 + math.sin(k / 40 * 4 * math.pi) * s * 0.025))
    d.line(wave, fill=orange, width=int(s * 0.05), joint="curve")
    img = img.resize((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# --- Processes ---------------------------------------------------------------------------------------


def _processes(today: date) -> list[dict[str, Any]]:
    """The three demo processes, dated around the day of the first load."""
    d = lambda days: today + timedelta(days=days)  # noqa: E731
    return [
        {
            "slug": "budget-participatif-2027",
            # What the process is for: the modules serving these purposes are placed in it.
            "purposes": ("information", "budgeting"),
            "title": "Budget participatif 2027",
            "subtitle": "500 000 € pour les projets des habitantes et des habitants",
            "description": (
                "Pour la quatrième année, la Ville de Valmont-sur-Loire consacre 500 000 € de son budget "
                "d'investissement à des projets imaginés par celles et ceux qui y vivent, y travaillent ou y étudient.\n\n"
                "Chacun peut déposer une idée d'intérêt général : un jardin partagé, des bancs le long de la Loire, "
                "une boîte à livres, un équipement sportif… Les services municipaux étudient ensuite la faisabilité "
                "et le coût de chaque projet, puis toutes les personnes de plus de 11 ans votent pour leurs préférés."
            ),
            "topics": ["cadre-de-vie", "environnement", "solidarites", "sport"],
            "area": None,
            "dates": (d(-20), d(465)),
            "phases": [
                (
                    "Dépôt des idées",
                    "Proposez vos projets en ligne ou dans les mairies de quartier.",
                    d(-20),
                    d(25),
                    True,
                ),
                (
                    "Analyse technique",
                    "Les services étudient la faisabilité et le coût de chaque idée.",
                    d(26),
                    d(70),
                    False,
                ),
                (
                    "Vote",
                    "Choisissez vos projets préférés dans la limite de l'enveloppe.",
                    d(71),
                    d(100),
                    False,
                ),
                (
                    "Réalisation des projets",
                    "Suivez l'avancement des projets lauréats.",
                    d(101),
                    d(465),
                    False,
                ),
            ],
        },
        {
            "slug": "reamenagement-place-du-marche",
            # What the process is for: the modules serving these purposes are placed in it.
            "purposes": ("information", "deliberation", "reporting"),
            "title": "Réaménagement de la place du Marché",
            "subtitle": "Quelle place pour demain : marché, terrasses, arbres, stationnement ?",
            "description": (
                "La place du Marché accueille deux marchés par semaine, mais elle est aujourd'hui occupée "
                "à 70 % par le stationnement, manque d'ombre l'été et reste difficile d'accès pour les personnes "
                "à mobilité réduite.\n\n"
                "Avant de lancer le concours d'architectes, la municipalité veut connaître vos usages et vos "
                "attentes. Les avis recueillis alimenteront le cahier des charges du projet."
            ),
            "topics": ["cadre-de-vie", "economie-locale", "mobilites"],
            "area": "centre-ville",
            "dates": (d(-60), d(60)),
            "phases": [
                (
                    "Diagnostic partagé",
                    "Balades urbaines et relevé des usages de la place.",
                    d(-60),
                    d(-21),
                    False,
                ),
                ("Concertation", "Donnez votre avis sur les scénarios d'aménagement.", d(-20), d(30), True),
                (
                    "Restitution",
                    "Présentation publique de la synthèse et du programme retenu.",
                    d(31),
                    d(60),
                    False,
                ),
            ],
        },
        {
            "slug": "plan-velo-2026",
            # What the process is for: the modules serving these purposes are placed in it.
            "purposes": ("information", "consulting"),
            "title": "Plan vélo 2026",
            "subtitle": "Des itinéraires cyclables continus et sûrs entre les quartiers",
            "description": (
                "Entre janvier et avril, 1 240 personnes ont contribué au Plan vélo : 380 propositions d'itinéraires, "
                "2 900 votes et quatre ateliers dans les quartiers.\n\n"
                "Le conseil municipal a adopté le plan : 14 km de pistes nouvelles d'ici 2028, une vélo-rue dans le "
                "centre, 300 arceaux de stationnement et la liaison cyclable vers la gare. Retrouvez ici les "
                "résultats et le calendrier des travaux."
            ),
            "topics": ["mobilites", "environnement"],
            "area": None,
            "dates": (d(-300), d(-30)),
            "phases": [
                ("Consultation", "Propositions d'itinéraires et votes en ligne.", d(-300), d(-200), False),
                (
                    "Synthèse et arbitrages",
                    "Analyse des contributions et chiffrage par les services.",
                    d(-199),
                    d(-120),
                    False,
                ),
                (
                    "Résultats et mise en œuvre",
                    "Le plan adopté et le suivi des travaux.",
                    d(-119),
                    d(-30),
                    True,
                ),
            ],
        },
    ]


class Command(BaseCommand):
    help = (
        "Load the demo town of Valmont-sur-Loire (idempotent: running it again changes nothing). "
        f"Demo logins, all with the password “{DEMO_PASSWORD}”: "
        + "; ".join(f"{email} ({what})" for email, _r, _s, _n, what in DEMO_LOGINS)
        + f"; {OPERATOR_EMAIL} (platform operator, Django admin at /admin/)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--first-start",
            action="store_true",
            help="load only when no organisation exists yet (used by `make run`)",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="load the demo even with PARLONS_ENV=production (its accounts have a published password)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        if settings.PRODUCTION and not options["allow_production"]:
            raise CommandError(
                _("The demo town has accounts with a published password: it is not loaded in production.")
            )
        if options["first_start"] and Organisation.objects.exists():
            if options["verbosity"] >= 2:
                self.stdout.write(_("An organisation exists already: the demo is not loaded."))
            return
        with translation.override("fr"), transaction.atomic():
            org = self._organisation()
            areas = self._areas(org)
            services = self._services(org)
            topics = self._topics(org)
            self._people(org, areas, services, topics)
            self._processes(org, areas, topics)
        if "insights_analyse" in get_commands():  # named, not imported: the core imports no app above it
            self._say(_("Analysing the contributions…"))
            call_command("insights_analyse", organisation=org.slug, verbosity=0)
        self._say(self.style.SUCCESS(_("Demo town loaded: %(name)s.") % {"name": org.name}))
        self._say(_("Demo logins (password: %(password)s):") % {"password": DEMO_PASSWORD})
        for email, _role, _service, _name, what in DEMO_LOGINS:
            self._say(f"  {email:<28} {_(what)}")
        self._say(f"  {OPERATOR_EMAIL:<28} {_('platform operator (Django admin at /admin/)')}")

    def _say(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)

    # --- Steps ---------------------------------------------------------------------------------------

    def _organisation(self) -> Organisation:
        self._say(_("Organisation…"))
        org = Organisation.objects.filter(slug=ORG_SLUG).first()
        if org is None:
            org = organisation_create(
                slug=ORG_SLUG,
                name=ORG_NAME,
                is_default=not Organisation.objects.filter(is_default=True).exists(),
                languages=("fr", "en"),
                primary_colour=PRIMARY,
                accent_colour=ACCENT,
            )
            org.population, org.centre = 31_240, Point(*CENTRE, srid=4326)
            org.save(update_fields=["population", "centre", "updated_at"])
        if not org.logo or not default_storage.exists(org.logo.name):
            logo = None
            if default_storage.exists(LOGO_PATH):
                org.logo.name = LOGO_PATH
            else:
                logo = SimpleUploadedFile("valmont-sur-loire.png", logo_png(), content_type="image/png")
            organisation_update_branding(
                organisation=org,
                by=None,
                name=ORG_NAME,
                description=(
                    "Valmont-sur-Loire, 31 000 habitants au bord de la Loire, vous invite à construire la ville "
                    "avec ses élus et ses services : budget participatif, concertations sur les grands projets, "
                    "signalements et suivi des décisions."
                ),
                contact_email="participation@mairie-valmont.fr",
                primary_colour=PRIMARY,
                accent_colour=ACCENT,
                default_language="fr",
                languages=["fr", "en"],
                logo=logo,
                logo_alt="Blason de Valmont-sur-Loire : trois tours blanches au-dessus d'une vague orange sur fond bleu",
            )
        return org

    def _areas(self, org: Organisation) -> dict[str, Area]:
        self._say(_("Districts…"))
        existing = {a.slug: a for a in Area.objects.for_organisation(org)}
        for (slug, name, code), geometry in zip(DISTRICTS, district_geometries(), strict=True):
            if slug not in existing:
                existing[slug] = area_create(
                    organisation=org, by=None, name=name, slug=slug, code=code, geometry=geometry
                )
        return existing

    def _services(self, org: Organisation) -> dict[str, Service]:
        self._say(_("Services…"))
        existing = {s.slug: s for s in Service.objects.for_organisation(org)}
        for slug, name, email, description in SERVICES:
            if slug not in existing:
                existing[slug] = service_create(
                    organisation=org, by=None, name=name, slug=slug, email=email, description=description
                )
        return existing

    def _topics(self, org: Organisation) -> dict[str, Topic]:
        self._say(_("Topics…"))
        existing = {t.slug: t for t in Topic.objects.for_organisation(org)}
        for slug, name, description in TOPICS:
            if slug not in existing:
                existing[slug] = topic_create(
                    organisation=org, by=None, name=name, slug=slug, description=description
                )
        return existing

    def _member(self, org: Organisation, user: User, role: str, service: Service | None = None) -> Membership:
        membership = membership_ensure(user=user, organisation=org, role=role)
        if membership.role != role or membership.service_id != (service.pk if service else None):
            membership = membership_set_role(
                membership=membership, by=None, role=role, service_id=service.pk if service else None
            )
        return membership

    def _people(
        self,
        org: Organisation,
        areas: dict[str, Area],
        services: dict[str, Service],
        topics: dict[str, Topic],
    ) -> None:
        self._say(_("People…"))
        area_list = [areas[slug] for slug, _name, _code in DISTRICTS]
        topic_list = [topics[slug] for slug, _name, _description in TOPICS]
        for email, role, service_slug, display_name, _what in DEMO_LOGINS:
            user = user_get_or_create(email=email, display_name=display_name, email_verified=True)
            if not user.check_password(DEMO_PASSWORD):
                # The password validators want 10 characters; a demo password is set directly on purpose.
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            self._member(org, user, role, services.get(service_slug) if service_slug else None)
        operator = user_get_or_create(
            email=OPERATOR_EMAIL, display_name="Opérateur de la plateforme", email_verified=True
        )
        if not (operator.is_staff and operator.is_superuser) or not operator.check_password(DEMO_PASSWORD):
            operator.is_staff = operator.is_superuser = True
            operator.set_password(DEMO_PASSWORD)
            operator.save(update_fields=["is_staff", "is_superuser", "password"])

        citizens = _citizens()
        for i, (email, name) in enumerate(citizens):
            user = user_get_or_create(email=email, display_name=name, email_verified=i % 4 != 3)
            membership = self._member(org, user, Role.CITIZEN)
            if membership.home_area_id is None:
                membership.home_area = area_list[i % len(area_list)]
                membership.save(update_fields=["home_area", "updated_at"])
                membership.interests.set(
                    [topic_list[i % len(topic_list)], topic_list[(i * 3 + 1) % len(topic_list)]]
                )
        self._census(org, citizens)

    def _census(self, org: Organisation, citizens: list[tuple[str, str]]) -> None:
        """A small census (hashed on import) and the demo citizen's check against it."""
        from parlons.accounts.models import CensusImport
        from parlons.accounts.services import census_claim, census_import

        if not CensusImport.objects.for_organisation(org).exists():
            identifier, born, postal_code = CITIZEN_CENSUS
            rows = [
                "identifier,birth_date,postal_code,district",
                f"{identifier},{born.isoformat()},{postal_code},Q1",
            ]
            for i in range(len(citizens)):
                rows.append(f"VAL-{i + 2:04d},{1950 + i}-0{1 + i % 9}-1{i % 10},{postal_code},Q{1 + i % 6}")
            census_import(
                organisation=org,
                by=None,
                file=io.BytesIO("\n".join(rows).encode()),
                filename="recensement-demo.csv",
            )
        citizen = User.objects.get(email=DEMO_LOGINS[3][0])
        membership = Membership.objects.get(user=citizen, organisation=org)
        if membership.census_verified_at is None:
            identifier, born, postal_code = CITIZEN_CENSUS
            census_claim(
                membership=membership, identifier=identifier, birth_date=born, postal_code=postal_code
            )

    def _processes(self, org: Organisation, areas: dict[str, Area], topics: dict[str, Topic]) -> None:
        today = timezone.localdate()
        for index, spec in enumerate(_processes(today)):
            process = Process.objects.for_organisation(org).filter(slug=spec["slug"]).first()
            if process is None:
                self._say(_("Process: %(title)s…") % {"title": spec["title"]})
                area = areas.get(spec["area"]) if spec["area"] else None
                process = process_create(
                    organisation=org,
                    by=None,
                    title=spec["title"],
                    slug=spec["slug"],
                    subtitle=spec["subtitle"],
                    description=spec["description"],
                    start_date=spec["dates"][0],
                    end_date=spec["dates"][1],
                    area_id=area.pk if area else None,
                    topic_ids=[topics[t].pk for t in spec["topics"]],
                )
                for title, description, start, end, current in spec["phases"]:
                    phase_create(
                        process=process,
                        by=None,
                        title=title,
                        description=description,
                        start_date=start,
                        end_date=end,
                        is_current=current,
                    )
                process_set_visibility(process=process, by=None, visibility=Process.Visibility.PUBLIC)
            self._components(process, spec["purposes"], first=index == 0)

    def _components(self, process: Process, purposes: tuple[str, ...], *, first: bool) -> None:
        """One component per module serving the process's purposes, filled by the module's own seed and published.

        A module that declares no purpose goes into the first process, so that every module shows demo content.
        """
        for manifest in registry.all_modules():
            if manifest.purpose not in purposes and not (first and not manifest.purpose):
                continue
            component = Component.objects.filter(process=process, module_key=manifest.key).first()
            if component is None:
                name = "Informations" if manifest.key == "pages" else str(manifest.name)
                component = component_add(process=process, by=None, module_key=manifest.key, name=name)
            if manifest.seed is not None:
                manifest.seed(component)
            if not component.is_published:
                component_publish(component=component, by=None)
