"""Request rates: generous for people, tighter for anonymous callers; beyond them the API answers 429."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import BaseThrottle, SimpleRateThrottle


class _CallerRateThrottle(SimpleRateThrottle):
    """Counts per signed-in person (token or session) or, for visitors, per client address."""

    for_authenticated: bool

    def get_cache_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated)
        if authenticated != self.for_authenticated:
            return None
        ident = f"user-{user.pk}" if authenticated and user is not None else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(_CallerRateThrottle):
    scope = "api-anonymous"
    for_authenticated = False


class PersonRateThrottle(_CallerRateThrottle):
    scope = "api-person"
    for_authenticated = True


def default_throttles() -> list[BaseThrottle]:
    return [
        AnonymousRateThrottle(getattr(settings, "PARLONS_API_RATE_ANONYMOUS", "300/m")),
        PersonRateThrottle(getattr(settings, "PARLONS_API_RATE_PERSON", "1200/m")),
    ]
