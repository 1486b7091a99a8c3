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


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    organisation = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"quartier-{n}")
    name = factory.Sequence(lambda n: f"Quartier {n}")
    geometry = factory.LazyFunction(
        lambda: MultiPolygon(Polygon(((2.0, 48.0), (2.01, 48.0), (2.01, 48.01), (2.0, 48.01), (2.0, 48.0))), srid=4326)
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
