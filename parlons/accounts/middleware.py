"""Use the signed-in person's chosen language, unless they picked one in this browser since."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # LocaleMiddleware reads the cookie; with no cookie yet, fall back on the organisation's default
        # language rather than the browser's Accept-Language, so that a French town is French first.
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            org = getattr(request, "organisation", None)
            lang = org.default_language if org is not None else settings.LANGUAGE_CODE
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = lang
        return self.get_response(request)
