"""allauth adapters: where sign-up, log-in and FranceConnect meet our accounts and organisations."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

from parlons.accounts import identity

logger = logging.getLogger("parlons.accounts")

FRANCECONNECT = "franceconnect"


def _ensure_membership(request: Any, user: Any) -> None:
    org = getattr(request, "organisation", None)
    if org is not None and user is not None and user.pk:
        from parlons.accounts.services import membership_ensure

        membership_ensure(user=user, organisation=org)


def _identity_claims(sociallogin: Any) -> dict[str, Any]:
    """The verified claims of this FranceConnect login, for the person key; the birth date is then dropped from
    what allauth keeps of them (``SocialAccount.extra_data``): only the key outlives the login."""
    account = sociallogin.account
    claims = identity.claims_from_extra_data(account.extra_data)
    stored = identity.without_birthdate(account.extra_data)
    if stored != (account.extra_data or {}):
        account.extra_data = stored
        if account.pk:
            # A returning person's account row was already updated with this login's claims.
            account.save(update_fields=["extra_data"])
    return claims


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: Any, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            _ensure_membership(request, user)
        return user

    def login(self, request: Any, user: Any) -> None:
        # Accounts are platform-wide: signing in on another town's site makes the person a citizen there.
        super().login(request, user)
        _ensure_membership(request, user)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # allauth signs its e-mails with the host name; residents know their town hall by its name.
        request = allauth_context.request
        org = getattr(request, "organisation", None)
        if org is not None and "current_site" not in context:
            context = {**context, "current_site": SimpleNamespace(name=org.name, domain=request.get_host())}
        super().send_mail(template_prefix, email, context)

    def is_open_for_signup(self, request: Any) -> bool:
        # Sign-up belongs to an organisation's site; without one there is nobody to join.
        return getattr(request, "organisation", None) is not None


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: Any, sociallogin: Any) -> None:
        """A returning FranceConnect user, or one connecting FranceConnect to their account, is verified."""
        super().pre_social_login(request, sociallogin)
        if sociallogin.account.provider != FRANCECONNECT:
            return
        from parlons.accounts.services import franceconnect_mark_verified

        if sociallogin.is_existing:
            franceconnect_mark_verified(user=sociallogin.user, claims=_identity_claims(sociallogin))
        elif (sociallogin.state or {}).get("process") == "connect" and request.user.is_authenticated:
            franceconnect_mark_verified(user=request.user, claims=_identity_claims(sociallogin))

    def save_user(self, request: Any, sociallogin: Any, form: Any = None) -> Any:
        claims = _identity_claims(sociallogin) if sociallogin.account.provider == FRANCECONNECT else None
        user = super().save_user(request, sociallogin, form)
        if claims is not None:
            from parlons.accounts.services import franceconnect_mark_verified

            franceconnect_mark_verified(user=user, claims=claims)
        _ensure_membership(request, user)
        return user

    def populate_user(self, request: Any, sociallogin: Any, data: dict[str, Any]) -> Any:
        user = super().populate_user(request, sociallogin, data)
        # Our account has no first/last name: show the given name FranceConnect vouches for.
        if not user.display_name and (data.get("first_name") or data.get("name")):
            user.display_name = (data.get("first_name") or data.get("name") or "")[:80]
        return user

    def on_authentication_error(
        self,
        request: Any,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        """Log every refused third-party login (wrong state, wrong nonce, provider error) for the operators."""
        context = extra_context or {}
        # allauth passes the state id only when the callback's state matches no login of this session.
        reason = (
            "unknown or expired state"
            if "state_id" in context and "state" not in context
            else "provider answer"
        )
        logger.warning(
            "third-party login refused (%s): provider=%s error=%s exception=%r",
            reason,
            getattr(provider, "sub_id", getattr(provider, "id", "?")),
            error,
            exception,
        )
        super().on_authentication_error(request, provider, error, exception, extra_context)
