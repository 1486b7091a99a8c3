"""The API's error format: ``{"code": ..., "message": ...}`` with a precise HTTP status.

Every failure the API can answer (domain errors raised by services and selectors, request validation,
authentication, permissions, throttling, unknown paths) goes through one of these handlers, so clients
can rely on a stable machine ``code`` and a ``message`` translated into the request's language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

from parlons.common.errors import DomainError, NotFound, ValidationFailed

logger = logging.getLogger(__name__)


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class FieldErrorOut(Schema):
    loc: list[str | int]
    message: str
    type: str


class ValidationErrorOut(Schema):
    code: str
    message: str
    errors: list[FieldErrorOut]


class InvalidToken(AuthenticationError):
    """A bearer token was sent but is unknown, revoked, or belongs to another organisation."""


class CsrfFailed(AuthorizationError):
    """A session-authenticated unsafe request came without a valid CSRF token."""


# Codes for HTTP statuses answered without a more specific domain code.
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "validation_error",
    429: "rate_limited",
}


def _status_message(status: int) -> str:
    messages = {
        400: _("The request is not valid."),
        401: _("Authentication is required."),
        403: _("You are not allowed to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with the current state."),
        422: _("The request is not valid."),
        429: _("Too many requests. Please try again later."),
    }
    return messages.get(status, _("The request failed."))


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update({key: value for key, value in extra.items() if value is not None})
    return body


def _respond(api: NinjaAPI, request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api", Cookie'
    return response


def not_found_response(request: HttpRequest) -> JsonResponse:
    """The JSON 404 answered for any unknown path under /api/v1/."""
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)


def method_not_allowed_response(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body("method_not_allowed", _status_message(405)), status=405)


def install_exception_handlers(api: NinjaAPI) -> None:
    """Map every exception the API can meet to our JSON error format."""

    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        if isinstance(exc, NotFound):
            # Selectors name the missing entity ("process"), which is no sentence for people.
            return _respond(api, request, 404, error_body(exc.code, _("Not found.")))
        message = str(exc.message)
        if isinstance(exc, ValidationFailed) or exc.status == 422:
            loc: list[str | int] = [exc.field] if exc.field else []
            errors = [{"loc": loc, "message": message, "type": exc.code}]
            return _respond(api, request, 422, error_body(exc.code, message, field=exc.field, errors=errors))
        return _respond(api, request, exc.status, error_body(exc.code, message, field=exc.field))

    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {
                "loc": [part for part in error.get("loc", ()) if isinstance(part, str | int)],
                "message": str(error.get("msg", "")),
                "type": str(error.get("type", "invalid")),
            }
            for error in exc.errors
        ]
        return _respond(
            api, request, 422, error_body("validation_error", _("The request is not valid."), errors=errors)
        )

    def django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [
                {"loc": [field], "message": str(message), "type": "invalid"}
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
        else:
            errors = [{"loc": [], "message": str(message), "type": "invalid"} for message in exc.messages]
        return _respond(
            api, request, 422, error_body("validation_error", _("The request is not valid."), errors=errors)
        )

    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        if isinstance(exc, InvalidToken):
            message = _("The API token is invalid, revoked, or not valid for this organisation.")
        else:
            message = _("Authentication is required.")
        return _respond(api, request, 401, error_body("unauthenticated", message))

    def authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        if isinstance(exc, CsrfFailed):
            return _respond(
                api, request, 403, error_body("csrf_failed", _("The CSRF token is missing or incorrect."))
            )
        return _respond(api, request, 403, error_body("forbidden", _status_message(403)))

    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return _respond(api, request, 429, error_body("rate_limited", _status_message(429)))

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        return _respond(
            api, request, status, error_body(_STATUS_CODES.get(status, "error"), _status_message(status))
        )

    def http404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _respond(api, request, 404, error_body("not_found", _("Not found.")))

    def permission_denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return _respond(api, request, 403, error_body("forbidden", _status_message(403)))

    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
        return _respond(api, request, 500, error_body("server_error", _("Something went wrong on our side.")))

    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (DomainError, domain_error),
        (ValidationError, validation_error),
        (DjangoValidationError, django_validation_error),
        (AuthenticationError, authentication_error),
        (AuthorizationError, authorization_error),
        (Throttled, throttled),
        (HttpError, http_error),
        (Http404, http404),
        (DjangoPermissionDenied, permission_denied),
        (Exception, server_error),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
