"""The HTTP boundary: base-URL policy, envelope unwrapping, and the one place where HTTP responses
and httpx exceptions become b3os errors (``raise … from exc``)."""

from __future__ import annotations

import json
import socket
import sys
from typing import Any

from b3os._retry import parse_retry_after
from b3os._wire import check_base_url
from b3os.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationFailedError,
)
from b3os.redact import redact, redact_text

# httpx's __init__ imports its optional CLI (click, pygments, rich: ~50 ms) whenever those happen to
# be installed. A None entry makes that import fail, so httpx uses its stub `main`; the entry goes
# right after, so anybody may import httpx._main normally. Only done if httpx is not loaded yet.
# Every b3os module that needs httpx at run time loads it through this module first.
_GUARD = "httpx" not in sys.modules and "httpx._main" not in sys.modules
if _GUARD:
    sys.modules["httpx._main"] = None  # type: ignore[assignment]
try:
    import httpx
finally:
    if _GUARD and sys.modules.get("httpx._main", False) is None:
        del sys.modules["httpx._main"]


__all__ = [
    "CODE_DUPLICATE_RUN_ID",
    "CODE_INVALID_DEFINITION",
    "HTTPX_ERRORS",
    "httpx",  # the module, loaded as above: b3os code reaches it as `_http.httpx`
    "check_base_url",
    "clean_params",
    "error_from_response",
    "is_resolution_failure",
    "is_retryable_transport_error",
    "translate_transport_error",
    "unwrap",
]

CODE_INVALID_DEFINITION = 400228
CODE_DUPLICATE_RUN_ID = 400079

# Everything httpx raises on purpose: HTTPError (transport and status errors), plus the families
# that are not HTTPError subclasses (a malformed URL, misuse of a streamed body, cookie clashes).
HTTPX_ERRORS: tuple[type[Exception], ...] = (
    httpx.HTTPError,
    httpx.InvalidURL,
    httpx.StreamError,
    httpx.CookieConflict,
)

_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def clean_params(params: dict[str, Any] | None) -> dict[str, str] | None:
    """Drop None/empty values; booleans as true/false; lists comma-joined (what the API expects)."""
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (list, tuple, set, frozenset)):
            if value:
                out[key] = ",".join(str(v) for v in value)
        else:
            out[key] = str(value)
    return out or None


def _looks_like_html(text: str, content_type: str) -> bool:
    head = text.lstrip()[:100].lower()
    return "text/html" in content_type or head.startswith(("<!doctype", "<html"))


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    # Defense in depth: a server or proxy that echoes the Authorization header must not leak it.
    # The package's one scrubber (b3os.redact) does the work.
    return redact_text(text, secrets)


def error_from_response(
    response: httpx.Response, *, method: str, path: str, secrets: tuple[str, ...] = ()
) -> APIError:
    """Build the typed error for a non-2xx response; never raises while reading the body."""
    status = response.status_code
    content_type = response.headers.get("content-type", "")
    request_id = response.headers.get("x-request-id")
    text = response.text
    code: int | None = None
    details: list[Any] = []
    body: Any = None
    if text.strip() and not _looks_like_html(text, content_type):
        try:
            body = json.loads(text)
        except (ValueError, RecursionError):
            body = None
    if isinstance(body, dict):
        code = _int_or_none(body.get("code"))
        raw_message = body.get("message") or body.get("error")
        message = (
            raw_message if isinstance(raw_message, str) else (json.dumps(raw_message) if raw_message else "")
        )
        raw_details = body.get("details")
        if isinstance(raw_details, list):
            details = raw_details
        elif raw_details is not None:
            details = [raw_details]
        request_id = body.get("requestId") or request_id
        if not message:
            message = "the server returned an error without a message"
    elif text.strip() and _looks_like_html(text, content_type):
        message = (
            f"the server returned an HTML error page (HTTP {status}), probably from a proxy or load balancer"
        )
    elif text.strip():
        snippet = " ".join(text.split())[:200]
        message = f"the server returned an unexpected (non-envelope) error body (HTTP {status}): {snippet!r}"
    else:
        message = f"the server returned HTTP {status} with an empty body"
    message = _scrub(message, secrets)
    details = redact(details, secrets)  # known secrets by value, secret-named keys by key
    kwargs: dict[str, Any] = {
        "status_code": status,
        "code": code,
        "details": details,
        "request_id": request_id if isinstance(request_id, str) else None,
        "method": method,
        "path": path,
    }
    if status == 400 and code == CODE_INVALID_DEFINITION:
        return ValidationFailedError(message, items=_validation_items(details), **kwargs)
    if status == 429:
        return RateLimitError(
            message, retry_after=parse_retry_after(response.headers.get("retry-after")), **kwargs
        )
    if status >= 500:
        return ServerError(message, **kwargs)
    return _BY_STATUS.get(status, APIError)(message, **kwargs)


def _validation_items(details: list[Any]) -> list[Any]:
    from b3os.models import ValidationItem  # local import: errors stay importable without pydantic work

    items = []
    for entry in details:
        if isinstance(entry, dict) and isinstance(entry.get("message"), str):
            items.append(ValidationItem.model_validate(entry))
    return items


def unwrap(response: httpx.Response, *, method: str, path: str) -> Any:
    """Return ``data`` of a 2xx ``{code, message, data, requestId}`` envelope (None for an empty body)."""
    text = response.text
    if not text.strip():
        return None
    try:
        body = json.loads(text)
    except RecursionError:
        raise APIError(
            f"the server answered HTTP {response.status_code} with JSON nested too deeply to read",
            status_code=response.status_code,
            request_id=response.headers.get("x-request-id"),
            method=method,
            path=path,
        ) from None
    except ValueError:
        content_type = response.headers.get("content-type", "")
        what = "an HTML page" if _looks_like_html(text, content_type) else "a non-JSON body"
        raise APIError(
            f"the server answered HTTP {response.status_code} with {what} where a JSON envelope was expected",
            status_code=response.status_code,
            request_id=response.headers.get("x-request-id"),
            method=method,
            path=path,
        ) from None
    if isinstance(body, dict) and ("data" in body or "code" in body or "requestId" in body):
        return body.get("data")
    return body  # tolerate a bare payload (a few operations are annotated without the envelope)


_RETRYABLE_TRANSPORT = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


_RESOLUTION_MESSAGES = (
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "getaddrinfo failed",
    "no address associated with hostname",
    "name resolution",
)


def is_resolution_failure(exc: BaseException) -> bool:
    """Whether a connect failure is a DNS failure (the host name does not resolve). Not transient:
    retrying for the whole budget only delays "cannot resolve HOST" (issue 18 item 7)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return True
        current = current.__cause__ or current.__context__
    if not isinstance(exc, httpx.ConnectError):
        return False
    text = str(exc).lower()
    return any(marker in text for marker in _RESOLUTION_MESSAGES)


def _host_of(exc: httpx.HTTPError) -> str:
    try:
        return exc.request.url.host or "the API host"
    except RuntimeError:  # an exception built without a request
        return "the API host"


def is_retryable_transport_error(exc: httpx.TransportError) -> bool:
    """Timeouts, resets and protocol breaks are retried; an unresolvable host is not."""
    return isinstance(exc, _RETRYABLE_TRANSPORT) and not is_resolution_failure(exc)


def translate_transport_error(
    exc: Exception, *, method: str, path: str, secrets: tuple[str, ...] = ()
) -> TransportError:
    """The one mapping from httpx failures to TransportError (the caller does ``raise … from exc``)."""
    if isinstance(exc, httpx.HTTPError) and is_resolution_failure(exc):
        kind = f"cannot resolve {_host_of(exc)}"
    elif isinstance(exc, httpx.TimeoutException):
        kind = "timed out"
    elif isinstance(exc, httpx.ConnectError):
        kind = "could not connect"
    elif isinstance(exc, httpx.RemoteProtocolError):
        kind = "the server broke the HTTP protocol"
    elif isinstance(exc, httpx.InvalidURL):
        kind = "invalid request URL"
    elif isinstance(exc, httpx.StreamError):
        kind = "response stream misuse"
    else:
        kind = "transport error"
    detail = _scrub(str(exc).strip(), secrets)
    message = f"{kind}: {detail}" if detail else f"{kind} ({type(exc).__name__})"
    return TransportError(message, method=method, path=path)
