"""Writes of account data: accounts, memberships, profile, verification, GDPR rights."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from parlons.accounts.models import Membership, Role, User


@transaction.atomic
def user_get_or_create(*, email: str, password: str | None = None, display_name: str = "",
                       email_verified: bool = False) -> User:
    """Find the account for this e-mail or create it (unusable password unless one is given)."""
    from allauth.account.models import EmailAddress

    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, display_name=display_name)
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    if email_verified:
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    return user


@transaction.atomic
def membership_ensure(*, user: User, organisation: Any, role: str = Role.CITIZEN) -> Membership:
    """The person's membership in the organisation, created as citizen on first visit or action."""
    membership, _created = Membership.objects.get_or_create(user=user, organisation=organisation,
                                                            defaults={"role": role})
    return membership
