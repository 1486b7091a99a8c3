"""User groups and their endorsements of proposals: rules, permissions, pages and tenant isolation."""

from __future__ import annotations

import pytest

from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.core.tests.factories import MembershipFactory
from parlons.modules.consultations import selectors, services
from parlons.modules.consultations.models import Endorsement, Proposal, UserGroup, UserGroupMembership
from parlons.modules.consultations.tests.factories import ProposalFactory, consultations_component

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(org, component):
    return ProposalFactory(organisation=org, component=component)


@pytest.fixture
def group(org, citizen, admin_user):
    group = services.user_group_create(
        organisation=org, by=citizen, name="  Vélo-Cité  ", description="Cyclistes"
    )
    return services.user_group_verify(group=group, by=admin_user)


def test_creator_administers_the_new_group_which_waits_for_verification(org, citizen):
    group = services.user_group_create(organisation=org, by=citizen, name="Les Amis du Parc")
    assert group.name == "Les Amis du Parc" and not group.is_verified
    assert UserGroupMembership.objects.get(group=group, user=citizen).role == "admin"
    with pytest.raises(Conflict):
        services.user_group_create(organisation=org, by=citizen, name="les amis du parc")
    with pytest.raises(ValidationFailed):
        services.user_group_create(organisation=org, by=citizen, name="   ")
    with pytest.raises(ValidationFailed):
        services.user_group_create(organisation=org, by=citizen, name="x" * 101)


def test_only_members_of_the_organisation_create_groups(org, other_org):
    outsider = MembershipFactory(organisation=other_org).user
    with pytest.raises(PermissionDenied):
        services.user_group_create(organisation=org, by=outsider, name="Intrus")
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.user_group_create(organisation=org, by=AnonymousUser(), name="Anonyme")


def test_only_administrators_verify(org, citizen, moderator, admin_user):
    group = services.user_group_create(organisation=org, by=citizen, name="Quartier Vivant")
    for who in (citizen, moderator):
        with pytest.raises(PermissionDenied):
            services.user_group_verify(group=group, by=who)
    services.user_group_verify(group=group, by=admin_user)
    group.refresh_from_db()
    assert group.is_verified and group.verified_by == admin_user
    services.user_group_verify(group=group, by=admin_user, verified=False)
    group.refresh_from_db()
    assert not group.is_verified


def test_group_admin_adds_members_of_the_organisation_only(org, other_org, group, citizen, other_citizen):
    with pytest.raises(PermissionDenied):
        services.user_group_add_member(group=group, by=other_citizen, user=other_citizen)
    services.user_group_add_member(group=group, by=citizen, user=other_citizen)
    with pytest.raises(Conflict):
        services.user_group_add_member(group=group, by=citizen, user=other_citizen)
    outsider = MembershipFactory(organisation=other_org).user
    with pytest.raises(ValidationFailed):
        services.user_group_add_member(group=group, by=citizen, user=outsider)
    with pytest.raises(ValidationFailed):
        services.user_group_add_member(group=group, by=citizen, user=citizen, role="owner")


def test_member_endorses_once_per_group_and_withdraws(group, proposal, citizen, other_citizen):
    services.user_group_add_member(group=group, by=citizen, user=other_citizen)
    services.proposal_endorse(proposal=proposal, group=group, by=other_citizen)
    with pytest.raises(Conflict):
        services.proposal_endorse(proposal=proposal, group=group, by=citizen)
    proposal.refresh_from_db()
    assert proposal.endorsements_count == 1
    services.proposal_unendorse(proposal=proposal, group=group, by=citizen)
    proposal.refresh_from_db()
    assert proposal.endorsements_count == 0 and not Endorsement.objects.exists()
    with pytest.raises(ValidationFailed):
        services.proposal_unendorse(proposal=proposal, group=group, by=citizen)


def test_endorsing_needs_membership_verification_and_a_published_proposal(
    org, citizen, other_citizen, admin_user, group, component
):
    proposal = ProposalFactory(organisation=org, component=component)
    with pytest.raises(PermissionDenied):
        services.proposal_endorse(proposal=proposal, group=group, by=other_citizen)  # not in the group
    unverified = services.user_group_create(organisation=org, by=citizen, name="Pas encore vérifié")
    with pytest.raises(PermissionDenied):
        services.proposal_endorse(proposal=proposal, group=unverified, by=citizen)
    draft = ProposalFactory(organisation=org, component=component, status="draft")
    with pytest.raises(ValidationFailed):
        services.proposal_endorse(proposal=draft, group=group, by=citizen)
    assert not Endorsement.objects.exists()


def test_a_group_cannot_endorse_in_another_organisation(other_org, group, citizen):
    foreign = ProposalFactory(organisation=other_org, component=consultations_component(other_org))
    with pytest.raises(PermissionDenied):
        services.proposal_endorse(proposal=foreign, group=group, by=citizen)
    assert not Endorsement.objects.exists()
    # Nor is the group reachable from the other organisation.
    with pytest.raises(Exception, match="group"):
        selectors.access_user_group(organisation=other_org, public_id=group.public_id)


def test_pages_show_and_take_endorsements(client_for, group, proposal, citizen, other_citizen, component):
    client = client_for(citizen)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Endorse on behalf of Vélo-Cité" in page
    url = proposal.get_absolute_url() + "endorse/"
    client.post(url, {"group": group.public_id})
    proposal.refresh_from_db()
    assert proposal.endorsements_count == 1
    index = f"/processes/{component.process.slug}/consultations/{component.pk}/"
    assert "Endorsed by 1 group" in client_for(other_citizen).get(index).content.decode()
    shown = client_for().get(proposal.get_absolute_url()).content.decode()
    assert "Endorsed by" in shown and "Vélo-Cité" in shown
    # Someone outside the group cannot endorse on its behalf through the page either.
    client_for(other_citizen).post(url, {"group": group.public_id, "withdraw": "1"})
    assert Proposal.objects.get(pk=proposal.pk).endorsements_count == 1
    client.post(url, {"group": group.public_id, "withdraw": "1"})
    assert Proposal.objects.get(pk=proposal.pk).endorsements_count == 0


def test_groups_page_creates_and_admin_verifies(client_for, org, citizen, admin_user, component):
    url = f"/processes/{component.process.slug}/consultations/{component.pk}/groups/"
    response = client_for(citizen).post(
        url, {"name": "Les Jardins Partagés", "description": "<script>x</script>"}
    )
    assert response.status_code == 302
    group = UserGroup.objects.get(name="Les Jardins Partagés")
    page = client_for(citizen).get(url).content.decode()
    assert "Waiting for verification" in page and "<script>x" not in page
    verify = f"{url}{group.public_id}/verify/"
    client_for(citizen).post(verify)
    group.refresh_from_db()
    assert not group.is_verified
    client_for(admin_user).post(verify)
    group.refresh_from_db()
    assert group.is_verified
    assert "Verify Les Jardins" not in client_for(admin_user).get(url).content.decode()
