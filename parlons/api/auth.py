"""Who is calling: a personal bearer token for this organisation, the Django session, or nobody.

Order matters. A request that carries ``Authorization: Bearer`` is judged by its token alone: an unknown,
revoked or other-organisation token is a 401 even if a session cookie is present. Otherwise the session
is used, with Django's CSRF check on unsafe methods (tokens need none: browsers never send them on their
own). Public reads add :data:`anonymous` last so that visitors get through; endpoints that need a person
leave it out, and ninja answers 401.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from parlons.api.errors import CsrfFailed, InvalidToken

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``: a personal API token of the request's organisation."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # Imported here: the accounts selector is looked up at call time, not at URL loading.
        from parlons.accounts.selectors import api_token_authenticate

        organisation = getattr(request, "organisation", None)
        token = token.strip()
        user = (
            api_token_authenticate(organisation=organisation, plaintext=token)
            if organisation is not None and token
            else None
        )
        if user is None or not user.is_active:
            raise InvalidToken()
        request.user = user
        request.api_auth_method = "token"  # type: ignore[attr-defined]
        return user


class SessionUserAuth(APIKeyCookie):
    """The signed-in person of the Django session; unsafe methods must carry the CSRF token."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        # The CSRF check happens in authenticate(), only for signed-in people: an anonymous unsafe
        # request must get 401, not a CSRF 403.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if (
            request.method not in _SAFE_METHODS
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise CsrfFailed()
        request.api_auth_method = "session"  # type: ignore[attr-defined]
        return user


class AnonymousAccess:
    """Lets visitors through public reads (``AnonymousUser`` is truthy, so ninja accepts it).

    Its security scheme is only a marker: the API turns it into OpenAPI's ``{}`` ("no authentication").
    """

    openapi_security_schema: dict[str, Any] = {}

    def __call__(self, request: HttpRequest) -> Any:
        return request.user


bearer_auth = BearerTokenAuth()
session_auth = SessionUserAuth()
anonymous = AnonymousAccess()

#: For endpoints that need a person (``/me``, writes): anonymous callers get 401.
AUTHENTICATED: list[Callable[[HttpRequest], Any]] = [bearer_auth, session_auth]
#: For public reads: anyone, but a bad token is still refused.
PUBLIC: list[Callable[[HttpRequest], Any]] = [bearer_auth, session_auth, anonymous]
