"""Use the signed-in person's chosen language, unless they picked one in this browser since."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # LocaleMiddleware reads the cookie; with no cookie yet (a new browser), use the person's saved
        # language, else the organisation's default rather than the browser's Accept-Language, so that a
        # French town is French first.
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            user = getattr(request, "user", None)
            org = getattr(request, "organisation", None)
            if user is not None and user.is_authenticated and user.language:
                lang = user.language
            else:
                lang = org.default_language if org is not None else settings.LANGUAGE_CODE
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = lang
        return self.get_response(request)
