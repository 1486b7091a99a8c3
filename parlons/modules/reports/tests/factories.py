"""Factories of the reports module, and the tenant-isolation builders for each of its models."""

from __future__ import annotations

import factory
from django.contrib.gis.geos import Point
from django.utils import timezone

from parlons.core.tests.factories import (
    ComponentFactory,
    OrganisationFactory,
    ProcessFactory,
    ServiceFactory,
)
from parlons.modules.reports import cells
from parlons.modules.reports.models import (
    AnswerTemplate,
    Category,
    CategoryRoute,
    Report,
    ReportCell,
    ReportFollower,
    ReportPhoto,
    SatisfactionSurvey,
)

# Inside the default AreaFactory square (2.0–2.01 E, 48.0–48.01 N).
LON, LAT = 2.005, 48.005


def reports_component(org, **settings):
    return ComponentFactory(
        process=ProcessFactory(organisation=org), module_key="reports", name="Signalements", settings=settings
    )


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    organisation = factory.SubFactory(OrganisationFactory)
    service = factory.LazyAttribute(lambda o: ServiceFactory(organisation=o.organisation))
    slug = factory.Sequence(lambda n: f"categorie-{n}")
    name = factory.Sequence(lambda n: f"Catégorie {n}")
    sla_hours = 72


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report
        skip_postgeneration_save = True

    component = factory.LazyAttribute(lambda o: reports_component(o.organisation))
    organisation = factory.SubFactory(OrganisationFactory)
    category = factory.LazyAttribute(lambda o: CategoryFactory(organisation=o.organisation))
    service = factory.LazyAttribute(lambda o: o.category.service)
    lon = LON
    lat = LAT
    point = factory.LazyAttribute(lambda o: Point(o.lon, o.lat, srid=4326))
    description = "Nid-de-poule devant l'école."
    contact_email = "habitant@exemple.fr"
    due_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=3))

    @factory.post_generation
    def on_the_map(obj, create, extracted, **kwargs):
        """Reports made here bypass the services: count them in the map's cells as the services do."""
        if create:
            cells.reports_added([obj])


def _photo(org):
    report = ReportFactory(organisation=org)
    return ReportPhoto.objects.create(
        report=report, file="reports/photos/x.jpg", content_hash=f"{org.pk:064x}"
    )


def _route(org):
    from parlons.core.tests.factories import AreaFactory

    category = CategoryFactory(organisation=org)
    return CategoryRoute.objects.create(
        category=category, area=AreaFactory(organisation=org), service=ServiceFactory(organisation=org)
    )


TENANT_BUILDERS = {
    "reports.Category": lambda org: CategoryFactory(organisation=org),
    "reports.CategoryRoute": _route,
    "reports.Report": lambda org: ReportFactory(organisation=org),
    "reports.ReportPhoto": _photo,
    "reports.ReportFollower": lambda org: ReportFollower.objects.create(
        report=ReportFactory(organisation=org), email="voisin@exemple.fr"
    ),
    "reports.SatisfactionSurvey": lambda org: SatisfactionSurvey.objects.create(
        report=ReportFactory(organisation=org), email="habitant@exemple.fr", due_at=timezone.now()
    ),
    "reports.ReportCell": lambda org: ReportCell.objects.filter(
        component=ReportFactory(organisation=org).component
    ).first(),
    "reports.AnswerTemplate": lambda org: AnswerTemplate.objects.create(
        organisation=org, title="Merci", body="Merci !"
    ),
}

# The Open311 adapter's models (parlons/modules/reports/open311), built in their own file.
from parlons.modules.reports.tests.open311_builders import OPEN311_TENANT_BUILDERS  # noqa: E402

TENANT_BUILDERS.update(OPEN311_TENANT_BUILDERS)
