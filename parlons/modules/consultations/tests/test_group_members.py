"""The members of a group: its administrators invite registered members of the organisation by e-mail and
remove members; invited people accept or decline; members leave; everything stays inside the organisation."""

from __future__ import annotations

import email

import pytest
from django.core import mail

from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.core.tests.factories import MembershipFactory
from parlons.modules.consultations import services
from parlons.modules.consultations.models import UserGroupInvitation, UserGroupMembership
from parlons.modules.consultations.tests.factories import consultations_component

pytestmark = pytest.mark.django_db

LINK = "https://valmont.example.test/groups/x/"


@pytest.fixture
def group(org, citizen, admin_user):
    group = services.user_group_create(organisation=org, by=citizen, name="Vélo-Cité")
    return services.user_group_verify(group=group, by=admin_user)


@pytest.fixture
def karim(org):
    return MembershipFactory(
        organisation=org, user__display_name="Karim Benali", user__email="karim@example.test"
    ).user


def _text(message) -> str:
    mime = email.message_from_bytes(message._raw)
    part = next(p for p in mime.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def _members(group) -> dict[str, str]:
    return {
        m.user.email: m.role for m in UserGroupMembership.objects.filter(group=group).select_related("user")
    }


def test_admin_invites_a_registered_member_who_accepts(
    group, citizen, karim, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.user_group_invite(
            group=group, by=citizen, email=" Karim@Example.test ", link=LINK
        )
    assert invitation.user == karim and invitation.role == "member"
    [message] = mail.outbox
    assert message.to == ["karim@example.test"] and "Vélo-Cité" in _text(message) and LINK in _text(message)
    assert karim.email not in _members(group)  # not a member before accepting
    with pytest.raises(Conflict):
        services.user_group_invite(group=group, by=citizen, email="karim@example.test", link=LINK)
    with pytest.raises(PermissionDenied):
        services.user_group_invitation_answer(invitation=invitation, by=citizen, accept=True)
    services.user_group_invitation_answer(invitation=invitation, by=karim, accept=True)
    assert _members(group)[karim.email] == "member" and not UserGroupInvitation.objects.exists()
    with pytest.raises(Conflict):
        services.user_group_invite(group=group, by=citizen, email="karim@example.test", link=LINK)


def test_invitation_declined_or_revoked_changes_no_membership(group, citizen, karim, org):
    invitation = services.user_group_invite(
        group=group, by=citizen, email=karim.email, link=LINK, role="admin"
    )
    services.user_group_invitation_answer(invitation=invitation, by=karim, accept=False)
    assert karim.email not in _members(group) and not UserGroupInvitation.objects.exists()
    invitation = services.user_group_invite(group=group, by=citizen, email=karim.email, link=LINK)
    stranger = MembershipFactory(organisation=org).user
    with pytest.raises(PermissionDenied):
        services.user_group_invitation_revoke(invitation=invitation, by=stranger)
    services.user_group_invitation_revoke(invitation=invitation, by=citizen)
    assert not UserGroupInvitation.objects.exists() and karim.email not in _members(group)


def test_invitations_need_a_group_admin_and_a_registered_member(
    group, citizen, karim, org, other_org, admin_user
):
    services.user_group_add_member(group=group, by=citizen, user=karim)
    outsider = MembershipFactory(organisation=other_org, user__email="ailleurs@example.test").user
    for by, address, error in [
        (karim, "x@example.test", PermissionDenied),  # a plain member cannot invite
        (citizen, "pas-une-adresse", ValidationFailed),
        (citizen, "inconnu@example.test", ValidationFailed),  # nobody registered with it
        (citizen, outsider.email, ValidationFailed),  # registered, but in another organisation
    ]:
        with pytest.raises(error):
            services.user_group_invite(group=group, by=by, email=address, link=LINK)
    with pytest.raises(ValidationFailed):
        services.user_group_invite(group=group, by=citizen, email=admin_user.email, link=LINK, role="owner")
    assert not UserGroupInvitation.objects.exists()
    # An administrator of the organisation may manage any group.
    services.user_group_invite(
        group=group, by=admin_user, email=MembershipFactory(organisation=org).user.email, link=LINK
    )


def test_admin_removes_members_members_leave_and_the_last_admin_stays(group, citizen, karim, org):
    services.user_group_add_member(group=group, by=citizen, user=karim)
    other = MembershipFactory(organisation=org).user
    services.user_group_add_member(group=group, by=citizen, user=other)
    with pytest.raises(PermissionDenied):
        services.user_group_remove_member(group=group, by=karim, user=other)
    services.user_group_remove_member(group=group, by=citizen, user=other)
    with pytest.raises(ValidationFailed):
        services.user_group_remove_member(group=group, by=citizen, user=other)
    services.user_group_remove_member(group=group, by=karim, user=karim)  # leaving
    assert set(_members(group)) == {citizen.email}
    with pytest.raises(ValidationFailed):
        services.user_group_remove_member(group=group, by=citizen, user=citizen)  # the last administrator
    assert set(_members(group)) == {citizen.email}


def test_group_page_invites_removes_and_answers(
    client_for, component, group, citizen, karim, django_capture_on_commit_callbacks
):
    url = f"/processes/{component.process.slug}/consultations/{component.pk}/groups/{group.public_id}/"
    admin = client_for(citizen)
    page = admin.get(url).content.decode()
    assert "Invite someone" in page and "Members" in page
    response = admin.post(url, {"email": "nobody@example.test", "role": "member"})
    assert response.status_code == 200
    assert "Nobody registered in this organisation uses this address" in response.content.decode()
    assert not UserGroupInvitation.objects.exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url, {"email": karim.email, "role": "member"})
    assert response.status_code == 302
    assert f"{url}" in _text(mail.outbox[0])  # the link opens the group's page
    invitation = UserGroupInvitation.objects.get()
    invited = client_for(karim)
    groups_page = invited.get(url.rsplit("/", 2)[0] + "/").content.decode()
    assert "You are invited to join Vélo-Cité." in groups_page
    assert "Join the group" in invited.get(url).content.decode()
    # Someone else cannot answer it, even knowing its address.
    client_for(MembershipFactory(organisation=group.organisation).user).post(
        f"{url}invitations/{invitation.pk}/accept/"
    )
    assert karim.email not in _members(group)
    invited.post(f"{url}invitations/{invitation.pk}/accept/")
    assert karim.email in _members(group)
    # A plain member sees the members but neither the invitation form nor the remove buttons.
    member_view = invited.get(url).content.decode()
    assert "Leave the group" in member_view and "Invite someone" not in member_view
    assert "Remove" not in member_view
    invited.post(f"{url}members/{citizen.public_id}/remove/")
    assert citizen.email in _members(group)
    admin.post(f"{url}members/{karim.public_id}/remove/")
    assert karim.email not in _members(group)


def test_group_pages_are_hidden_from_other_organisations_and_outsiders(
    client_for, component, org, other_org, group, citizen
):
    url = f"/processes/{component.process.slug}/consultations/{component.pk}/groups/{group.public_id}/"
    # Signed out or outside the group: a verified group's page shows no member list.
    assert "Members" not in client_for().get(url).content.decode()
    unverified = services.user_group_create(organisation=org, by=citizen, name="Pas vérifié")
    hidden = url.replace(group.public_id, unverified.public_id)
    assert client_for(MembershipFactory(organisation=org).user).get(hidden).status_code == 404
    # Another organisation's pages never reach the group, even through its own component.
    foreign = consultations_component(other_org)
    admin_there = MembershipFactory(organisation=other_org, role="admin").user
    there = client_for(admin_there, organisation=other_org)
    base = f"/processes/{foreign.process.slug}/consultations/{foreign.pk}/groups/{group.public_id}/"
    assert there.get(base).status_code == 404
    response = there.post(f"{base}members/{citizen.public_id}/remove/")
    assert response.status_code == 404 and citizen.email in _members(group)
    assert there.post(base, {"email": "x@example.test", "role": "member"}).status_code == 404
