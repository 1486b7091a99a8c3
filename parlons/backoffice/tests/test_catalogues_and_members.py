"""Topics, services and members: list, create, edit, delete, and the last administrator rule."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parlons.accounts.models import Membership, Role, User
from parlons.core.models import Service, Topic
from parlons.core.tests.factories import MembershipFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_topics_and_services_crud(client_for, org, other_org, admin_user):
    client = client_for(admin_user)
    assert (
        client.post(
            reverse("backoffice:topic_create"), {"name": "Mobilité", "description": "Vélo"}
        ).status_code
        == 302
    )
    topic = Topic.objects.get(organisation=org)
    assert topic.slug == "mobilite"
    client.post(
        reverse("backoffice:topic_edit", kwargs={"pk": topic.pk}), {"name": "Mobilités", "slug": "mobilites"}
    )
    topic.refresh_from_db()
    assert (topic.name, topic.slug) == ("Mobilités", "mobilites")
    assert "Mobilités" in client.get(reverse("backoffice:topics")).content.decode()
    client.post(reverse("backoffice:topic_delete", kwargs={"pk": topic.pk}))
    assert not Topic.objects.exists()

    response = client.post(
        reverse("backoffice:service_create"), {"name": "Voirie", "email": "voirie@valmont.example.test"}
    )
    assert response.status_code == 302
    service = Service.objects.get(organisation=org)
    assert service.email == "voirie@valmont.example.test"
    # Same identifier in another town is fine: slugs are per organisation.
    ServiceFactory(organisation=other_org, slug="proprete")
    assert client.post(reverse("backoffice:service_create"), {"name": "Propreté"}).status_code == 302


def test_members_search_add_change_remove(client_for, org, other_org, admin_user, citizen):
    client = client_for(admin_user)
    MembershipFactory(organisation=other_org, user=UserFactory(email="ailleurs@example.test"))
    page = client.get(reverse("backoffice:members")).content.decode()
    assert citizen.email in page and "ailleurs@example.test" not in page
    page = client.get(reverse("backoffice:members"), {"q": citizen.email.upper()}).content.decode()
    assert citizen.email in page and admin_user.email not in page

    service = ServiceFactory(organisation=org)
    response = client.post(
        reverse("backoffice:member_add"),
        {"email": "Nouvelle.Agente@Example.test", "role": "agent", "service": str(service.pk)},
    )
    assert response.status_code == 302
    user = User.objects.get(email="nouvelle.agente@example.test")
    assert not user.has_usable_password()  # they sign in with an e-mail code
    membership = Membership.objects.get(user=user, organisation=org)
    assert (membership.role, membership.service) == (Role.AGENT, service)

    # An existing citizen is promoted rather than duplicated.
    client.post(
        reverse("backoffice:member_add"), {"email": citizen.email, "role": "moderator", "service": ""}
    )
    assert Membership.objects.get(user=citizen, organisation=org).role == Role.MODERATOR
    assert Membership.objects.filter(user=citizen).count() == 1

    client.post(
        reverse("backoffice:member_edit", kwargs={"membership_id": membership.pk}),
        {"role": "citizen", "service": ""},
    )
    membership.refresh_from_db()
    assert (membership.role, membership.service) == (Role.CITIZEN, None)

    client.post(reverse("backoffice:member_remove", kwargs={"membership_id": membership.pk}))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert User.objects.filter(pk=user.pk).exists()


def test_last_admin_cannot_be_demoted_or_removed(client_for, org, admin_user):
    client = client_for(admin_user)
    own = Membership.objects.get(user=admin_user, organisation=org)
    response = client.post(
        reverse("backoffice:member_edit", kwargs={"membership_id": own.pk}), {"role": "agent"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "last administrator" in page and 'id="id_role_error"' in page
    response = client.post(reverse("backoffice:member_remove", kwargs={"membership_id": own.pk}))
    assert response.status_code == 409 and "last administrator" in response.content.decode()
    own.refresh_from_db()
    assert own.role == Role.ADMIN

    # With a second administrator, stepping down is allowed.
    MembershipFactory(organisation=org, role=Role.ADMIN)
    client.post(reverse("backoffice:member_edit", kwargs={"membership_id": own.pk}), {"role": "agent"})
    own.refresh_from_db()
    assert own.role == Role.AGENT


def test_bad_member_email(client_for, org, admin_user):
    response = client_for(admin_user).post(
        reverse("backoffice:member_add"), {"email": "pas-un-email", "role": "agent"}
    )
    assert response.status_code == 400 and 'id="id_email_error"' in response.content.decode()
    assert Membership.objects.filter(organisation=org).count() == 1
