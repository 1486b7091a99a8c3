from typing import Any

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "parlons.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from allauth.socialaccount.signals import social_account_removed

        social_account_removed.connect(
            _social_account_removed, dispatch_uid="parlons.accounts.franceconnect_unlinked"
        )


def _social_account_removed(sender: Any, request: Any, socialaccount: Any, **kwargs: Any) -> None:
    """Removing the FranceConnect link from the account's connections removes the verification it gave."""
    from parlons.accounts.adapter import FRANCECONNECT
    from parlons.accounts.services import franceconnect_unlinked

    if getattr(socialaccount, "provider", None) == FRANCECONNECT:
        franceconnect_unlinked(user=socialaccount.user)
