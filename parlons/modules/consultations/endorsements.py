"""Writes of user groups (organisations of citizens) and their endorsements of proposals.

Kept apart from ``services.py`` for size; ``services`` re-exports every function, so callers use
``services.user_group_create`` and so on like any other service.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
