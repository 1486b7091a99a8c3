"""Writes of user groups (organisations of citizens) and their endorsements of proposals.

Kept apart from ``services.py`` for size; ``services`` re-exports every function, so callers use
``services.user_group_create`` and so on like any other service.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from parlons.accounts.models import User
from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.core import permissions
from parlons.core.models import Organisation
from parlons.dialogue import services as dialogue
from parlons.modules.consultations import list_cache
from parlons.modules.consultations.models import (
    Endorsement,
    Proposal,
    Status,
    UserGroup,
    UserGroupInvitation,
    UserGroupMembership,
)

MAX_NAME_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 2000


def _require_member(user: Any, organisation: Organisation) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Please sign in to take part."))
    if permissions.membership_of(user, organisation) is None:
        raise PermissionDenied(_("Only members of this organisation can do this."))
    if dialogue.is_blocked(user, organisation):
        raise PermissionDenied(_("Your participation in this organisation is suspended."))


def _role_in(group: UserGroup, user: Any) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return UserGroupMembership.objects.filter(group=group, user=user).values_list("role", flat=True).first()


@transaction.atomic
def user_group_create(*, organisation: Organisation, by: Any, name: str, description: str = "") -> UserGroup:
    """Create a group of the organisation; its creator becomes its first administrator.

    The group cannot endorse anything until an administrator of the organisation verifies it.
    Errors: PermissionDenied (signed out, not a member, blocked), ValidationFailed (empty or too long name or
    description), Conflict (a group of that name already exists).
    """
    _require_member(by, organisation)
    name = " ".join((name or "").split())
    description = (description or "").strip()
    if not name:
        raise ValidationFailed(_("Give the group a name."), field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(
            _("The name is limited to %(n)d characters.") % {"n": MAX_NAME_LENGTH}, field="name"
        )
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationFailed(
            _("The description is limited to %(n)d characters.") % {"n": MAX_DESCRIPTION_LENGTH},
            field="description",
        )
    if UserGroup.objects.for_organisation(organisation).filter(name__iexact=name).exists():
        raise Conflict(_("A group with this name already exists."), field="name")
    group = UserGroup.objects.create(
        organisation=organisation, name=name, description=description, created_by=by
    )
    UserGroupMembership.objects.create(group=group, user=by, role=UserGroupMembership.Role.ADMIN)
    return group


@transaction.atomic
def user_group_verify(*, group: UserGroup, by: Any, verified: bool = True) -> UserGroup:
    """Verify a group (or withdraw its verification) after checking who it is; administrators only.

    Withdrawing the verification keeps the group's endorsements but lets it make no new ones.
    Errors: PermissionDenied (not an administrator of the group's organisation).
    """
    if not permissions.is_admin(by, group.organisation):
        raise PermissionDenied(_("Only an administrator can verify a group."))
    group.verified_at = timezone.now() if verified else None
    group.verified_by = by if verified else None
    group.save(update_fields=["verified_at", "verified_by", "updated_at"])
    return group


@transaction.atomic
def user_group_add_member(
    *, group: UserGroup, by: Any, user: Any, role: str = UserGroupMembership.Role.MEMBER
) -> UserGroupMembership:
    """Add a member of the organisation to the group; by an administrator of the group (or of the organisation).

    Errors: PermissionDenied (not an administrator), ValidationFailed (unknown role, the person is not a member
    of the organisation), Conflict (already in the group).
    """
    organisation = group.organisation
    if _role_in(group, by) != UserGroupMembership.Role.ADMIN and not permissions.is_admin(by, organisation):
        raise PermissionDenied(_("Only an administrator of the group can add members."))
    if role not in UserGroupMembership.Role.values:
        raise ValidationFailed(_("Unknown role."), field="role")
    if user is None or permissions.membership_of(user, organisation) is None:
        raise ValidationFailed(_("This person is not a member of this organisation."), field="user")
    try:
        with transaction.atomic():
            return UserGroupMembership.objects.create(group=group, user=user, role=role)
    except IntegrityError:
        raise Conflict(_("This person is already in the group.")) from None


def _require_group_admin(group: UserGroup, by: Any, message: Any) -> None:
    if by is None or not by.is_authenticated:
        raise PermissionDenied(_("Please sign in to take part."))
    if _role_in(group, by) != UserGroupMembership.Role.ADMIN and not permissions.is_admin(
        by, group.organisation
    ):
        raise PermissionDenied(message)
    if dialogue.is_blocked(by, group.organisation):
        raise PermissionDenied(_("Your participation in this organisation is suspended."))


@transaction.atomic
def user_group_invite(
    *, group: UserGroup, by: Any, email: str, link: str, role: str = UserGroupMembership.Role.MEMBER
) -> UserGroupInvitation:
    """Invite a registered member of the organisation, found by their e-mail address, to join the group.

    ``link`` is the absolute address of the group's page, where the invited person accepts or declines.
    Preconditions: ``by`` administers the group (or the organisation) and is not blocked.
    Side effect: an e-mail to the invited person, in the organisation's language, once the transaction commits.
    Errors: PermissionDenied, ValidationFailed (field email: invalid, nobody registered in the organisation
    with it; field role), Conflict (already in the group, already invited).
    """
    _require_group_admin(group, by, _("Only an administrator of the group can invite members."))
    if role not in UserGroupMembership.Role.values:
        raise ValidationFailed(_("Unknown role."), field="role")
    email = (email or "").strip()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from None
    organisation = group.organisation
    invited = (
        User.objects.filter(
            email__iexact=email, deleted_at__isnull=True, memberships__organisation=organisation
        )
        .order_by("pk")
        .first()
    )
    if invited is None:
        raise ValidationFailed(
            _("Nobody registered in this organisation uses this address: ask the person to sign up first."),
            field="email",
        )
    if UserGroupMembership.objects.filter(group=group, user=invited).exists():
        raise Conflict(_("This person is already in the group."), field="email")
    try:
        with transaction.atomic():
            invitation = UserGroupInvitation.objects.create(
                group=group, user=invited, role=role, invited_by=by
            )
    except IntegrityError:
        raise Conflict(_("This person is already invited."), field="email") from None
    context = {
        "organisation": organisation,
        "inviter": by.public_name,
        "group": group.name,
        "url": link,
        "admin": role == UserGroupMembership.Role.ADMIN,
    }
    address = invited.email

    def send() -> None:
        with translation.override(organisation.default_language or django_settings.LANGUAGE_CODE):
            subject = _("%(name)s invites you to join %(group)s") % {
                "name": by.public_name,
                "group": group.name,
            }
            body = render_to_string("consultations/email/group_invitation.txt", context)
            send_mail(str(subject)[:200], body, None, [address])

    transaction.on_commit(send)
    return invitation


@transaction.atomic
def user_group_invitation_answer(*, invitation: UserGroupInvitation, by: Any, accept: bool) -> None:
    """The invited person accepts (joins the group with the role offered) or declines; the invitation ends.

    Errors: PermissionDenied (not the invited person, no longer a member of the organisation, blocked).
    """
    if by is None or not by.is_authenticated or invitation.user_id != by.pk:
        raise PermissionDenied(_("This invitation is for someone else."))
    group = invitation.group
    if accept:
        _require_member(by, group.organisation)
        UserGroupMembership.objects.get_or_create(group=group, user=by, defaults={"role": invitation.role})
    invitation.delete()


@transaction.atomic
def user_group_invitation_revoke(*, invitation: UserGroupInvitation, by: Any) -> None:
    """An administrator of the group withdraws an invitation not yet answered."""
    _require_group_admin(
        invitation.group, by, _("Only an administrator of the group can withdraw invitations.")
    )
    invitation.delete()


@transaction.atomic
def user_group_remove_member(*, group: UserGroup, by: Any, user: Any) -> None:
    """Remove someone from the group: an administrator of the group (or of the organisation) removes anyone;
    any member may leave. The group's endorsements stay (they were made on its behalf).

    Errors: PermissionDenied (neither an administrator nor the person themselves), ValidationFailed (not in
    the group; the last administrator of the group, who must first name another).
    """
    if by is None or not by.is_authenticated:
        raise PermissionDenied(_("Please sign in to take part."))
    if getattr(user, "pk", None) != by.pk:
        _require_group_admin(group, by, _("Only an administrator of the group can remove members."))
    membership = UserGroupMembership.objects.select_for_update().filter(group=group, user=user).first()
    if membership is None:
        raise ValidationFailed(_("This person is not in the group."))
    if membership.role == UserGroupMembership.Role.ADMIN:
        admins = UserGroupMembership.objects.select_for_update().filter(
            group=group, role=UserGroupMembership.Role.ADMIN
        )
        if admins.count() <= 1:
            raise ValidationFailed(
                _("The group needs at least one administrator: invite another one before leaving.")
            )
    membership.delete()


def _endorsable(proposal: Proposal, group: UserGroup, by: Any) -> None:
    organisation = proposal.organisation
    _require_member(by, organisation)
    if group.organisation_id != proposal.organisation_id:
        raise PermissionDenied(_("This group cannot endorse this proposal."))
    if _role_in(group, by) is None:
        raise PermissionDenied(_("Only members of the group can act on its behalf."))


@transaction.atomic
def proposal_endorse(*, proposal: Proposal, group: UserGroup, by: Any) -> Endorsement:
    """A member of a verified group endorses a published proposal on the group's behalf, once per group.

    Errors: PermissionDenied (signed out, not a member of the group, group of another organisation, group not
    verified), ValidationFailed (proposal not published or hidden), Conflict (the group already endorses it).
    """
    _endorsable(proposal, group, by)
    if not group.is_verified:
        raise PermissionDenied(_("The group must be verified by the organisation before it can endorse."))
    if proposal.status != Status.PUBLISHED or proposal.is_hidden:
        raise ValidationFailed(_("Only published proposals can be endorsed."))
    try:
        with transaction.atomic():
            endorsement = Endorsement.objects.create(proposal=proposal, group=group, by=by)
    except IntegrityError:
        raise Conflict(_("This group already endorses this proposal.")) from None
    Proposal.objects.filter(pk=proposal.pk).update(endorsements_count=F("endorsements_count") + 1)
    proposal.refresh_from_db(fields=["endorsements_count"])
    list_cache.bump(proposal.component_id)
    return endorsement


@transaction.atomic
def proposal_unendorse(*, proposal: Proposal, group: UserGroup, by: Any) -> Proposal:
    """Withdraw the group's endorsement; any member of the group may do it.

    Errors: PermissionDenied (not a member of the group), ValidationFailed (the group does not endorse it).
    """
    _endorsable(proposal, group, by)
    deleted, _rows = Endorsement.objects.filter(proposal=proposal, group=group).delete()
    if not deleted:
        raise ValidationFailed(_("This group does not endorse this proposal."))
    Proposal.objects.filter(pk=proposal.pk).update(endorsements_count=F("endorsements_count") - 1)
    proposal.refresh_from_db(fields=["endorsements_count"])
    list_cache.bump(proposal.component_id)
    return proposal
