"""Factories of the consultations module, and the tenant-isolation builders of each of its models."""

from __future__ import annotations

import factory
from django.utils import timezone

from parlons.core.tests.factories import (
    ComponentFactory,
    MembershipFactory,
    OrganisationFactory,
    PhaseFactory,
    ProcessFactory,
)
from parlons.modules.consultations.models import (
    Amendment,
    AnswerState,
    CoauthorInvitation,
    Debate,
    Endorsement,
    Proposal,
    ProposalAttachment,
    ProposalVersion,
    Status,
    Support,
    UserGroup,
    UserGroupInvitation,
    UserGroupMembership,
)
from parlons.modules.consultations.similarity import fingerprint


def consultations_component(org, *, permissions=None, **settings):
    """A published consultations component in a public process with a current phase."""
    process = ProcessFactory(organisation=org, visibility="public", published_at=timezone.now())
    PhaseFactory(process=process, is_current=True)
    return ComponentFactory(
        process=process,
        module_key="consultations",
        name="Propositions",
        settings=settings,
        permissions=permissions or {},
        published_at=timezone.now(),
    )


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    organisation = factory.SubFactory(OrganisationFactory)
    component = factory.LazyAttribute(lambda o: consultations_component(o.organisation))
    author = factory.LazyAttribute(lambda o: MembershipFactory(organisation=o.organisation).user)
    title = factory.Sequence(lambda n: f"Des bancs au bord de la Loire {n}")
    body = "Installer cinq bancs à l'ombre des platanes le long du quai."
    status = Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    fingerprint = factory.LazyAttribute(lambda o: fingerprint(o.title, o.body))


class DebateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Debate

    organisation = factory.SubFactory(OrganisationFactory)
    component = factory.LazyAttribute(lambda o: consultations_component(o.organisation))
    title = "Faut-il piétonniser la place du Marché ?"
    body = "Le samedi, la place est saturée de voitures."
    is_official = True


def _user(org):
    return MembershipFactory(organisation=org).user


TENANT_BUILDERS = {
    "consultations.AnswerState": lambda org: AnswerState.objects.create(
        organisation=org, slug="metropole", label="Transmis à la métropole", base="evaluating"
    ),
    "consultations.Proposal": lambda org: ProposalFactory(organisation=org),
    "consultations.ProposalVersion": lambda org: ProposalVersion.objects.create(
        proposal=ProposalFactory(organisation=org), title="Titre", body="Texte"
    ),
    "consultations.Support": lambda org: Support.objects.create(
        proposal=ProposalFactory(organisation=org), user=_user(org)
    ),
    "consultations.Amendment": lambda org: Amendment.objects.create(
        proposal=ProposalFactory(organisation=org),
        author=_user(org),
        title="Titre modifié",
        body="Texte modifié",
    ),
    "consultations.Debate": lambda org: DebateFactory(organisation=org),
    "consultations.CoauthorInvitation": lambda org: CoauthorInvitation.objects.create(
        proposal=ProposalFactory(organisation=org), email="co@example.test"
    ),
    "consultations.ProposalAttachment": lambda org: ProposalAttachment.objects.create(
        proposal=ProposalFactory(organisation=org),
        kind="document",
        file="consultations/attachments/plan.pdf",
        description="Plan du quartier",
        size=10,
    ),
    "consultations.UserGroup": lambda org: UserGroup.objects.create(organisation=org, name="Vélo-Cité"),
    "consultations.UserGroupMembership": lambda org: UserGroupMembership.objects.create(
        group=UserGroup.objects.create(organisation=org, name="Les Amis du Parc"), user=_user(org)
    ),
    "consultations.UserGroupInvitation": lambda org: UserGroupInvitation.objects.create(
        group=UserGroup.objects.create(organisation=org, name="Les Jardins Partagés"), user=_user(org)
    ),
    "consultations.Endorsement": lambda org: Endorsement.objects.create(
        proposal=ProposalFactory(organisation=org),
        group=UserGroup.objects.create(organisation=org, name="Quartier Vivant", verified_at=timezone.now()),
    ),
}
