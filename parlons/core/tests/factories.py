"""Factories for core and account data, shared by every app's tests."""

from __future__ import annotations

import factory
from django.contrib.gis.geos import MultiPolygon, Polygon

from parlons.accounts.models import Membership, Role, User
from parlons.core.models import Area, Component, Organisation, Phase, Process, Service, Topic


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    slug = factory.Sequence(lambda n: f"ville-{n}")
    name = factory.Sequence(lambda n: f"Ville {n}")
    host = factory.LazyAttribute(lambda o: f"{o.slug}.example.test")
    languages = ["fr", "en"]
    # Tests read the English source strings; the French default is tested explicitly (see conftest.py).
    default_language = "en"


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    organisation = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"quartier-{n}")
    name = factory.Sequence(lambda n: f"Quartier {n}")
    geometry = factory.LazyFunction(
        lambda: MultiPolygon(
            Polygon(((2.0, 48.0), (2.01, 48.0), (2.01, 48.01), (2.0, 48.01), (2.0, 48.0))), srid=4326
        )
    )


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    organisation = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.Sequence(lambda n: f"Thème {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    organisation = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")
    email = factory.LazyAttribute(lambda o: f"{o.slug}@mairie.example.test")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@example.test")
    display_name = factory.Sequence(lambda n: f"Personne {n}")
    password = factory.PostGenerationMethodCall("set_password", "mot-de-passe-solide-42")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if not create:
            return
        self.save()
        if extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.CITIZEN


class ProcessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Process

    organisation = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"concertation-{n}")
    title = factory.Sequence(lambda n: f"Concertation {n}")
    description = "Une concertation pour la ville."
    visibility = Process.Visibility.PUBLIC


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    process = factory.SubFactory(ProcessFactory)
    title = factory.Sequence(lambda n: f"Phase {n}")
    position = factory.Sequence(int)


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component

    process = factory.SubFactory(ProcessFactory)
    module_key = "pages"
    name = "Informations"
    published_at = factory.LazyFunction(lambda: __import__("django.utils.timezone").utils.timezone.now())


def _decision_event(org):
    from parlons.core.models import DecisionEvent
    from parlons.core.services import decision_record

    process = ProcessFactory(organisation=org)
    return decision_record(
        organisation=org, subject=process, by=None, kind=DecisionEvent.Kind.ANSWER, body="Réponse"
    )


def _decision_document(org):
    from parlons.core.models import DecisionDocument

    return DecisionDocument.objects.create(
        event=_decision_event(org), title="Délibération", url="https://example.test/d"
    )


def _census_import(org):
    from parlons.accounts.models import CensusImport

    return CensusImport.objects.create(organisation=org, filename="recensement.csv", rows=0)


def _api_token(org):
    import hashlib
    import secrets

    from parlons.accounts.models import ApiToken

    plaintext = secrets.token_urlsafe(24)
    return ApiToken.objects.create(
        organisation=org,
        user=UserFactory(),
        name="jeton",
        prefix=plaintext[:8],
        digest=hashlib.sha256(plaintext.encode()).hexdigest(),
    )


# How to make one instance of each tenant model for a given organisation: the tenant isolation test
# (parlons/core/tests/test_tenant_isolation.py) requires an entry for every TenantModel of every app.
TENANT_BUILDERS = {
    "core.Area": lambda org: AreaFactory(organisation=org),
    "core.Topic": lambda org: TopicFactory(organisation=org),
    "core.Service": lambda org: ServiceFactory(organisation=org),
    "core.Process": lambda org: ProcessFactory(organisation=org),
    "core.Phase": lambda org: PhaseFactory(process=ProcessFactory(organisation=org)),
    "core.Component": lambda org: ComponentFactory(process=ProcessFactory(organisation=org)),
    "core.DecisionEvent": _decision_event,
    "core.DecisionDocument": _decision_document,
    "accounts.Membership": lambda org: MembershipFactory(organisation=org),
    "accounts.CensusImport": lambda org: _census_import(org),
    "accounts.CensusEntry": lambda org: _census_import(org).entries.create(
        organisation=org, digest=f"{org.pk:064x}"
    ),
    "accounts.ApiToken": lambda org: _api_token(org),
}
