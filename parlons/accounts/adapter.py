"""allauth adapters: where sign-up, log-in and FranceConnect meet our accounts and organisations."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: Any, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=commit)
        org = getattr(request, "organisation", None)
        if commit and org is not None:
            from parlons.accounts.services import membership_ensure

            membership_ensure(user=user, organisation=org)
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    pass
