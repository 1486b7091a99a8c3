"""Demo content: categories for the usual services and a few hundred reports in every state.

Written with bulk inserts rather than through ``report_submit`` one by one: the demo must load in a few
seconds, and these reports are history (their trail is written as it would have been). Idempotent: a
component that already has reports is left alone; categories are matched by their identifier.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from parlons.accounts.models import Membership, Role
from parlons.core.models import Area, Component, DecisionEvent, Service
from parlons.modules.reports import cells
from parlons.modules.reports.models import (
    AnswerTemplate,
    Category,
    CloseReason,
    Report,
    ReportFollower,
    SatisfactionSurvey,
    Status,
)

DEFAULT_CENTRE = (0.98, 47.40)
REPORT_COUNT = 300

SERVICES = {
    "voirie": ("Voirie", "voirie@mairie.example"),
    "proprete": ("Propreté", "proprete@mairie.example"),
    "eclairage-public": ("Éclairage public", "eclairage@mairie.example"),
    "espaces-verts": ("Espaces verts", "espaces-verts@mairie.example"),
}

# slug, name, service, SLA hours, keywords, external body (name, e-mail) or None, descriptions
CATEGORIES: tuple[tuple[str, str, str, int, str, tuple[str, str] | None, tuple[str, ...]], ...] = (
    (
        "nid-de-poule",
        "Nid-de-poule",
        "voirie",
        120,
        "trou, nid de poule, chaussée, route, bitume, enrobé",
        None,
        (
            "Gros nid-de-poule au milieu de la chaussée, dangereux pour les vélos.",
            "Trou profond devant le passage piéton, les voitures font des écarts.",
            "La chaussée s'affaisse à côté de la bouche d'égout.",
        ),
    ),
    (
        "trottoir-abime",
        "Trottoir abîmé",
        "voirie",
        240,
        "trottoir, dalle, bordure, pavé, poussette, fauteuil",
        None,
        (
            "Dalles du trottoir soulevées par les racines, on trébuche facilement.",
            "Bordure cassée, impossible de passer avec une poussette.",
        ),
    ),
    (
        "signalisation",
        "Panneau ou marquage",
        "voirie",
        168,
        "panneau, signalisation, marquage, feu, stop, passage piéton",
        None,
        (
            "Le panneau stop est couché par terre depuis la tempête.",
            "Le marquage du passage piéton devant l'école est presque effacé.",
        ),
    ),
    (
        "depot-sauvage",
        "Dépôt sauvage",
        "proprete",
        72,
        "dépôt, déchets, encombrants, ordures, sacs, matelas, gravats",
        None,
        (
            "Un matelas et des sacs de gravats abandonnés au pied des conteneurs.",
            "Dépôt d'encombrants sur le trottoir depuis plusieurs jours.",
            "Sacs poubelles éventrés, les déchets s'envolent dans la rue.",
        ),
    ),
    (
        "tags",
        "Tags et graffitis",
        "proprete",
        168,
        "tag, graffiti, peinture, inscription, mur",
        None,
        (
            "Tags sur le mur de l'école maternelle.",
            "Graffitis injurieux sur l'abribus.",
        ),
    ),
    (
        "corbeille-pleine",
        "Corbeille pleine",
        "proprete",
        48,
        "corbeille, poubelle, pleine, déborde",
        None,
        ("La corbeille du square déborde, les pigeons éparpillent tout.",),
    ),
    (
        "lampadaire",
        "Lampadaire en panne",
        "eclairage-public",
        96,
        "lampadaire, éclairage, lumière, ampoule, noir, nuit, candélabre",
        None,
        (
            "Le lampadaire ne s'allume plus, la rue est dans le noir complet.",
            "Trois lampadaires éteints de suite, on ne voit rien le soir.",
            "Le lampadaire clignote toute la nuit.",
        ),
    ),
    (
        "arbre",
        "Arbre ou branche dangereuse",
        "espaces-verts",
        72,
        "arbre, branche, tombé, élagage, racine",
        None,
        (
            "Une grosse branche menace de tomber sur le trottoir.",
            "Arbre penché après le coup de vent, il touche les fils.",
        ),
    ),
    (
        "aire-de-jeux",
        "Aire de jeux",
        "espaces-verts",
        120,
        "jeux, toboggan, balançoire, aire de jeux, enfants",
        None,
        (
            "La balançoire a une chaîne cassée.",
            "Le sol amortissant sous le toboggan est arraché.",
        ),
    ),
    (
        "reseau-electrique",
        "Réseau électrique (Enedis)",
        "eclairage-public",
        240,
        "câble, poteau, enedis, électrique, fil",
        ("Enedis", "signalements@enedis.example"),
        ("Un câble pend du poteau électrique au-dessus du trottoir.",),
    ),
)

TEMPLATES = (
    (
        "Intervention programmée",
        "Merci pour votre signalement. Une équipe interviendra dans les prochains jours.",
        "in_progress",
    ),
    ("Problème réglé", "L'intervention a été réalisée. Merci de votre vigilance !", "fixed"),
    (
        "Hors compétence de la commune",
        "Ce problème relève d'un autre gestionnaire, que nous avons prévenu.",
        "closed",
    ),
)

STATES = (
    (Status.RECEIVED, 28),
    (Status.ACKNOWLEDGED, 14),
    (Status.IN_PROGRESS, 16),
    (Status.FIXED, 32),
    (Status.CLOSED, 10),
)


def ensure_categories(organisation: Any) -> dict[str, Category]:
    """The demo services (created when missing) and categories, matched by identifier."""
    services = {s.slug: s for s in Service.objects.for_organisation(organisation)}
    for slug, (name, email) in SERVICES.items():
        if slug not in services:
            services[slug] = Service.objects.create(
                organisation=organisation, slug=slug, name=name, email=email
            )
    existing = {c.slug: c for c in Category.objects.for_organisation(organisation)}
    for position, (slug, name, service, sla, keywords, external, _texts) in enumerate(CATEGORIES):
        if slug in existing:
            continue
        existing[slug] = Category.objects.create(
            organisation=organisation,
            slug=slug,
            name=name,
            service=services[service],
            sla_hours=sla,
            keywords=keywords,
            position=position,
            external_name=external[0] if external else "",
            external_email=external[1] if external else "",
        )
    if not AnswerTemplate.objects.for_organisation(organisation).exists():
        AnswerTemplate.objects.bulk_create(
            AnswerTemplate(organisation=organisation, title=t, body=b, status=s) for t, b, s in TEMPLATES
        )
    return existing


def _random_point(
    rng: random.Random, areas: list[Area], centre: tuple[float, float]
) -> tuple[float, float, Area | None]:
    if areas:
        area = rng.choice(areas)
        geometry: Any = area.geometry
        west, south, east, north = geometry.extent
        for _attempt in range(50):
            lon, lat = rng.uniform(west, east), rng.uniform(south, north)
            if geometry.contains(Point(lon, lat, srid=4326)):
                return lon, lat, area
        centroid = geometry.point_on_surface
        return centroid.x, centroid.y, area
    return centre[0] + rng.gauss(0, 0.012), centre[1] + rng.gauss(0, 0.008), None


@transaction.atomic
def seed(component: Component, *, count: int = REPORT_COUNT) -> None:
    organisation = component.process.organisation
    categories = ensure_categories(organisation)
    if Report.objects.filter(component=component).exists():
        return
    rng = random.Random(f"{organisation.slug}:{component.pk}")
    areas = list(organisation.areas.filter(geometry__isnull=False))
    centre = (organisation.centre.x, organisation.centre.y) if organisation.centre else DEFAULT_CENTRE
    citizens = list(
        Membership.objects.for_organisation(organisation)
        .filter(role=Role.CITIZEN)
        .values_list("user_id", flat=True)
    )
    now = timezone.now()
    weights = [w for _s, w in STATES]
    statuses = [s for s, _w in STATES]
    specs = [c for c in CATEGORIES if c[0] in categories]
    reports = []
    for i in range(count):
        spec = rng.choice(specs)
        category = categories[spec[0]]
        lon, lat, area = _random_point(rng, areas, centre)
        created = now - timedelta(days=rng.uniform(0, 180), minutes=i)
        status = rng.choices(statuses, weights)[0]
        if created > now - timedelta(days=3):
            status = Status.RECEIVED
        reporter = rng.choice(citizens) if citizens and rng.random() < 0.6 else None
        fixed_at = created + timedelta(days=rng.uniform(1, 20)) if status == Status.FIXED else None
        reports.append(
            Report(
                organisation=organisation,
                component=component,
                category=category,
                service=category.service,
                area=area,
                point=Point(lon, lat, srid=4326),
                lon=lon,
                lat=lat,
                description=rng.choice(spec[6]),
                status=status,
                close_reason=rng.choice([CloseReason.NOT_RESPONSIBLE, CloseReason.WONT_FIX])
                if status == Status.CLOSED
                else "",
                reporter_id=reporter,
                contact_email="" if reporter else f"habitant{i}@exemple.fr",
                is_anonymous=reporter is None or rng.random() < 0.1,
                followers_count=rng.choice([0, 0, 0, 1, 2, 3, 5]),
                due_at=created + timedelta(hours=category.sla_hours),
                acknowledged_at=created + timedelta(hours=6) if status != Status.RECEIVED else None,
                fixed_at=min(fixed_at, now) if fixed_at else None,
                closed_at=created + timedelta(days=2) if status == Status.CLOSED else None,
                reopened_count=1
                if status in (Status.IN_PROGRESS, Status.FIXED) and rng.random() < 0.08
                else 0,
            )
        )
    Report.objects.bulk_create(reports, batch_size=500)
    # bulk_create bypasses auto_now_add: set the creation dates the history needs.
    for report in reports:
        report.created_at = report.due_at - timedelta(hours=report.category.sla_hours)  # type: ignore[operator,assignment]
    Report.objects.bulk_update(reports, ["created_at"], batch_size=500)
    content_type = ContentType.objects.get_for_model(Report)
    path: list[str] = [Status.RECEIVED, Status.ACKNOWLEDGED, Status.IN_PROGRESS]
    events, surveys = [], []
    for report in reports:
        steps = path[: path.index(report.status) + 1] if report.status in path else [*path, report.status]
        when = report.created_at
        previous = ""
        for step in steps:
            events.append(
                DecisionEvent(
                    organisation=organisation,
                    content_type=content_type,
                    object_id=str(report.pk),
                    kind=DecisionEvent.Kind.ANSWER
                    if step in (Status.FIXED, Status.CLOSED)
                    else DecisionEvent.Kind.STATUS,
                    from_status=previous,
                    to_status=step,
                    body=_answer_for(step),
                    author_role=report.category.service.name if report.category.service else "",
                    created_at=min(when, now),
                )
            )
            previous = step
            when = when + timedelta(hours=rng.uniform(4, 72))
        if report.status == Status.FIXED and report.fixed_at and rng.random() < 0.5:
            answered = rng.random() < 0.7
            surveys.append(
                SatisfactionSurvey(
                    report=report,
                    email=report.contact_email or "habitant@exemple.fr",
                    due_at=report.fixed_at + timedelta(days=28),
                    sent_at=report.fixed_at + timedelta(days=28) if answered else None,
                    answered_at=report.fixed_at + timedelta(days=29) if answered else None,
                    answer=SatisfactionSurvey.Answer.YES if answered else "",
                    rating=rng.choice([3, 4, 4, 5, 5]) if answered else None,
                )
            )
    DecisionEvent.objects.bulk_create(events, batch_size=500)
    SatisfactionSurvey.objects.bulk_create(surveys, batch_size=500)
    if citizens:
        followers = []
        for report in rng.sample(reports, k=min(40, len(reports))):
            user_id = rng.choice(citizens)
            if user_id != report.reporter_id:
                followers.append(ReportFollower(report=report, user_id=user_id))
        ReportFollower.objects.bulk_create(followers, ignore_conflicts=True)
    # bulk_create bypasses the services: count the new reports on the map in one rebuild of this map.
    cells.rebuild(component_ids=[component.pk])


def _answer_for(status: str) -> str:
    answers: dict[str, str] = {
        Status.IN_PROGRESS: "Une équipe est programmée pour intervenir.",
        Status.FIXED: "L'intervention a été réalisée. Merci pour votre signalement !",
        Status.CLOSED: "Ce signalement ne relève pas d'une intervention de la commune.",
    }
    return answers.get(status, "")
