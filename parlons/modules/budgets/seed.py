"""Demo content: a past budget that went through every phase (results, execution) and a current one open for
voting. Idempotent: does nothing when the component already has budgets."""

from __future__ import annotations

import io
import random
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from parlons.core.models import Area, Component
from parlons.modules.budgets import services, transparency
from parlons.modules.budgets.models import Ballot, Budget, Project

PAST_PROJECTS = [
    (
        "Des arbres dans la cour de l'école Jules-Ferry",
        48000,
        "Planter douze arbres et créer de l'ombre pour les enfants l'été.",
    ),
    (
        "Une piste cyclable rue de la Gare",
        120000,
        "Relier la gare au collège par une piste séparée de la route.",
    ),
    (
        "Des bancs et des fontaines au parc",
        22000,
        "Dix bancs et deux fontaines d'eau potable le long des allées.",
    ),
    (
        "Un terrain multisport au quartier Nord",
        90000,
        "Un city-stade ouvert à tous, avec un éclairage économe.",
    ),
    ("Une boîte à livres par quartier", 6000, "Des boîtes à livres fabriquées par le lycée professionnel."),
    (
        "Des jardins partagés derrière la mairie",
        30000,
        "Vingt parcelles, un récupérateur d'eau et un abri à outils.",
    ),
]
CURRENT_PROJECTS = [
    (
        "Rénover l'aire de jeux du square",
        55000,
        "Remplacer les jeux abîmés et rendre l'aire accessible aux fauteuils.",
    ),
    ("Éclairer le chemin du lavoir", 38000, "Des lampadaires solaires pour rentrer à pied en sécurité."),
    (
        "Un composteur collectif par résidence",
        12000,
        "Réduire les déchets et produire du compost pour les jardins.",
    ),
    (
        "Une fresque sur le mur du gymnase",
        9000,
        "Une fresque dessinée avec les jeunes de la maison de quartier.",
    ),
    (
        "Des abris vélos sécurisés à la gare",
        41000,
        "Quarante places fermées, accessibles avec la carte de transport.",
    ),
]


def _projects(budget: Budget, items: list[tuple[str, int, str]], area: Area | None) -> list[Project]:
    created = []
    for n, (title, cost, description) in enumerate(items):
        location = None
        if area is not None and area.geometry is not None:
            centre = area.geometry.centroid
            location = centre.__class__(centre.x + 0.001 * (n - 2), centre.y + 0.0007 * (n % 3), srid=4326)
        created.append(
            services.project_submit(
                budget=budget, by=None, title=title, description=description, cost=cost, location=location
            )
        )
    return created


def _ballots(budget: Budget, projects: list[Project], voters: int, seed: int) -> None:
    rng = random.Random(seed)
    weights = [5, 3, 4, 2, 4, 3, 2][: len(projects)]
    rows = []
    for n in range(voters):
        chosen = {p.pk for p in rng.choices(projects, weights=weights, k=rng.randint(1, 3))}
        rows.append(
            Ballot(
                budget=budget,
                voter_key=f"fdemo{n}",
                channel=Ballot.Channel.IN_PERSON,
                choices=[[pk, 1] for pk in sorted(chosen)],
            )
        )
    transparency.log_ballots(budget, Ballot.objects.bulk_create(rows))


def _works_photo() -> SimpleUploadedFile:
    """A drawn, deterministic picture of finished works (sky, lawn, a path): demo data needs no real photo."""
    image = Image.new("RGB", (960, 540), (150, 195, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 960, 540), fill=(90, 160, 80))
    draw.polygon([(430, 540), (530, 540), (500, 300), (470, 300)], fill=(200, 190, 160))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("works.png", buffer.getvalue(), content_type="image/png")


def seed_component(component: Component) -> None:
    if Budget.objects.filter(component=component).exists():
        return
    area = Area.objects.filter(organisation=component.process.organisation, geometry__isnull=False).first()
    past = services.budget_create(
        component=component,
        by=None,
        title=_("Participatory budget, last year"),
        description=_("Residents chose how to spend 200,000 euros of the investment budget."),
        amount=200000,
        rule=Budget.Rule.MES_ADD1_GREEDY,
    )
    projects = _projects(past, PAST_PROJECTS, area)
    for project in projects[:-1]:
        services.project_review(project=project, by=None, feasible=True)
    services.project_review(
        project=projects[-1],
        by=None,
        feasible=False,
        reason=_("The land behind the town hall is not public."),
    )
    services.budget_open(budget=past, by=None)
    _ballots(past, projects[:-1], 240, seed=1)
    result = services.budget_close(budget=past, by=None)
    today = timezone.localdate()
    for n, pk in enumerate(result.winners):
        project = Project.objects.get(pk=pk)
        first = services.milestone_add(
            project=project, by=None, title=_("Study"), due_date=today - timedelta(days=200)
        )
        services.milestone_add(
            project=project, by=None, title=_("Works"), due_date=today + timedelta(days=60 * n)
        )
        services.spending_record(
            project=project,
            by=None,
            amount=Decimal(project.cost) * Decimal("0.3"),
            on=today - timedelta(days=150 - 10 * n),
            supplier="Entreprise Martin & fils",
            description=_("Study and first works"),
        )
        services.project_progress(
            project=project,
            by=None,
            progress=100 if n == 0 else 40,
            milestone_done=first,
            on=today - timedelta(days=190),
        )
        if n == 0:
            services.project_photo_add(
                project=project,
                by=None,
                upload=_works_photo(),
                alt_text=_("The finished works, seen from the street"),
                taken_on=today - timedelta(days=20),
            )
    current = services.budget_create(
        component=component,
        by=None,
        title=_("Participatory budget, this year"),
        description=_("Choose the projects you want for the town: 150,000 euros to share."),
        amount=150000,
        ballot_type=Budget.BallotType.KNAPSACK,
        rule=Budget.Rule.MES_ADD1_GREEDY,
    )
    for project in _projects(current, CURRENT_PROJECTS, area):
        services.project_review(project=project, by=None, feasible=True)
    services.budget_open(budget=current, by=None)
