"""Local error classes: each carries the HTTP status and the six-digit B3OS code.

The one exception handler in ``app.py`` renders them as the B3OS error envelope
``{code, message, details, requestId}`` (shared/b3os-api.md §3.2, G10).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BadRequest",
    "Conflict",
    "LocalError",
    "NotFound",
    "PayloadTooLarge",
    "Unauthorized",
    "ValidationFailed",
    "CODE_INVALID_DEFINITION",
    "CODE_INVALID_RUN_ID",
    "CODE_DUPLICATE_RUN_ID",
]

# Known codes from the OAS description of POST /v1/runs (§3.2).
CODE_INVALID_DEFINITION = 400228
CODE_INVALID_RUN_ID = 400078
CODE_DUPLICATE_RUN_ID = 400079


class LocalError(Exception):
    """Base: ``status`` is the HTTP status, ``code`` the application code (status*1000 + n)."""

    status = 500
    default_code = 500001

    def __init__(self, message: str, *, code: int | None = None, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else self.default_code
        self.details: list[Any] = details if details is not None else []


class BadRequest(LocalError):
    status = 400
    default_code = 400001


class ValidationFailed(BadRequest):
    """Definition failed validation: details = ValidationErrorItem list (G9)."""

    default_code = CODE_INVALID_DEFINITION


class Unauthorized(LocalError):
    status = 401
    default_code = 401001


class NotFound(LocalError):
    status = 404
    default_code = 404001


class Conflict(LocalError):
    status = 409
    default_code = 409001


class PayloadTooLarge(LocalError):
    status = 413
    default_code = 413001
