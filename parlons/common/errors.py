"""Domain errors: a stable machine code, a translated message, and the HTTP status the API maps it to."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """Base class of every business-rule violation raised by a service or selector."""

    code = "invalid"
    status = 400

    def __init__(self, message: str | Promise, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409


class ValidationFailed(DomainError):
    code = "validation_error"
    status = 422
