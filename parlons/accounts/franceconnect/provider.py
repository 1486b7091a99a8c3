"""OpenID Connect provider that sends a fresh ``nonce``, keeps it in the stashed state, and checks it."""

from __future__ import annotations

import secrets
from typing import Any

from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import HttpRequest

NONCE_STATE_KEY = "oidc_nonce"


class NonceMismatch(OAuth2Error):
    """The ID token's nonce is missing or differs from the one sent with this login."""


class NonceOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    """Verifies the ID token's ``nonce`` against the value stashed with the login's ``state``."""

    # Set by the callback view from the unstashed state before ``complete_login`` runs.
    state: dict[str, Any] | None = None

    def complete_login(self, request: HttpRequest, app: Any, token: Any, **kwargs: Any) -> Any:
        expected = (self.state or {}).get(NONCE_STATE_KEY)
        id_token = kwargs["response"].get("id_token")
        if not expected or not id_token:
            raise NonceMismatch("no nonce or no ID token for this login")
        claims = self._decode_id_token(app, id_token)
        if not secrets.compare_digest(str(claims.get("nonce", "")), str(expected)):
            raise NonceMismatch("the ID token's nonce does not match this login")
        return super().complete_login(request, app, token, **kwargs)


class FranceConnectProvider(OpenIDConnectProvider):
    """allauth's ``openid_connect`` provider with a nonce; every app of that provider gets it."""

    oauth2_adapter_class = NonceOpenIDConnectAdapter
    # allauth builds the provider's URLs from this package's urls.py (login and callback views).
    package = "parlons.accounts.franceconnect"

    def redirect(
        self, request: HttpRequest, process: Any, next_url: Any = None, data: Any = None, **kwargs: Any
    ):
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        auth_params["nonce"] = nonce
        # Extra keyword arguments are stored in the stashed state, which only this session can unstash.
        kwargs[NONCE_STATE_KEY] = nonce
        return super().redirect(request, process, next_url, data, auth_params=auth_params, **kwargs)
