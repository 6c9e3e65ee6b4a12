"""The one exception tree of b3os.

::

    B3OSError                     root; front ends catch only this
    ├── ConfigError               bad base URL, missing API key, bad spec input
    ├── DefinitionError           client-side validation failed; .items
    ├── TransportError            connection refused / timeout / protocol error (from httpx)
    └── APIError                  the server answered with an error: .status_code .code .message
        │                         .details .request_id (never request headers or the API key)
        ├── BadRequestError       400
        │   └── ValidationFailedError   400 with code 400228; .items
        ├── AuthenticationError   401
        ├── PermissionDeniedError 403
        ├── NotFoundError         404
        ├── ConflictError         409
        ├── RateLimitError        429; .retry_after
        └── ServerError           5xx, and HTML error pages from proxies

Other 4xx statuses (402 insufficient compute units, 405, 422, …) raise plain ``APIError``.
Translation from HTTP responses and httpx exceptions happens in one place: ``b3os._http``.
This module imports nothing heavy (no httpx, no pydantic) so that ``import b3os`` stays cheap.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from b3os.models import ValidationItem

__all__ = [
    "APIError",
    "AuthenticationError",
    "B3OSError",
    "BadRequestError",
    "ConfigError",
    "ConflictError",
    "DefinitionError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "TransportError",
    "ValidationFailedError",
]

# Details can be large (a validation list of a 200-node workflow); one readable line is the goal.
_DETAILS_LIMIT = 500


class B3OSError(Exception):
    """Root of every error b3os raises on purpose."""


class ConfigError(B3OSError):
    """The client or a spec was configured wrongly (bad base URL, missing API key, bad input)."""


def _describe_item(item: ValidationItem) -> str:
    # The validator's messages already name the node and field; others (the server's) may not.
    where = []
    if item.node_id and f"'{item.node_id}'" not in item.message:
        where.append(f"node {item.node_id!r}")
    if item.field and item.field not in item.message:
        where.append(f"field {item.field!r}")
    prefix = f"{' '.join(where)}: " if where else ""
    return f"{prefix}{item.message}"


class DefinitionError(B3OSError):
    """A workflow definition failed client-side validation; ``items`` lists every problem."""

    def __init__(self, items: Sequence[ValidationItem], message: str | None = None) -> None:
        self.items: list[ValidationItem] = list(items)
        if message is None:
            count = len(self.items)
            lines = "; ".join(_describe_item(i) for i in self.items)
            message = f"invalid workflow definition ({count} problem{'s' if count != 1 else ''}): {lines}"
        self.message = message
        super().__init__(message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(items={self.items!r})"


class TransportError(B3OSError):
    """No usable HTTP response: connection refused, DNS failure, timeout, broken protocol.

    Carries the method and the path (never the query string, which may hold a trigger secret).
    """

    def __init__(self, message: str, *, method: str | None = None, path: str | None = None) -> None:
        self.message = message
        self.method = method
        self.path = path
        super().__init__(message)

    def __str__(self) -> str:
        where = f" ({self.method} {self.path})" if self.method and self.path else ""
        return f"{self.message}{where}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(message={self.message!r}, method={self.method!r}, path={self.path!r})"


def _reason(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


def _short_details(details: list[Any]) -> str:
    text = json.dumps(details, ensure_ascii=False, default=str, separators=(",", ":"))
    return text if len(text) <= _DETAILS_LIMIT else text[: _DETAILS_LIMIT - 1] + "…"


class APIError(B3OSError):
    """The API answered with an error status.

    ``code`` is the B3OS application code (six digits, e.g. 404001) when the body had one.
    Request headers and the API key are never stored here, so nothing secret can leak via str/repr.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: int | None = None,
        details: list[Any] | None = None,
        request_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.code = code
        self.details: list[Any] = list(details or [])
        self.request_id = request_id
        self.method = method
        self.path = path
        super().__init__(message)

    def __str__(self) -> str:
        text = f"{self.status_code} {_reason(self.status_code)}"
        if self.code is not None:
            text += f" (code {self.code})"
        text += f": {self.message}"
        if self.details:
            text += f" details={_short_details(self.details)}"
        if self.method and self.path:
            text += f" ({self.method} {self.path})"
        if self.request_id:
            text += f" [request {self.request_id}]"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, code={self.code!r}, "
            f"message={self.message!r}, details={self.details!r}, request_id={self.request_id!r})"
        )


class BadRequestError(APIError):
    """400: the request was malformed or refused (archived workflow, duplicate run id, …)."""


class ValidationFailedError(BadRequestError):
    """400 with code 400228: the server rejected the workflow definition; ``items`` lists why."""

    def __init__(self, message: str, *, items: Sequence[ValidationItem] = (), **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.items: list[ValidationItem] = list(items)


class AuthenticationError(APIError):
    """401: the API key is missing, malformed, revoked or unknown."""


class PermissionDeniedError(APIError):
    """403: the key is valid but lacks the permission (or the org context) for this call."""


class NotFoundError(APIError):
    """404: the resource does not exist or is not visible to this organization."""


class ConflictError(APIError):
    """409: optimistic-lock version mismatch, or the resource is in the wrong state."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` is the server's hint in seconds, if it sent one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    def __str__(self) -> str:
        text = super().__str__()
        return text if self.retry_after is None else f"{text} (retry after {self.retry_after:g} s)"


class ServerError(APIError):
    """5xx: the server or a proxy in front of it failed (HTML error pages land here too)."""
