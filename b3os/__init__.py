"""b3os: B3OS workflows as infrastructure code (API client, models, validator, Workflow resource).

``import b3os`` is cheap: the errors are plain classes, and ``Client``/``RetryPolicy`` are loaded
on first attribute access (PEP 562), so a front end that only needs ``b3os.errors`` does not pay
for httpx and pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from b3os._version import __version__
from b3os.errors import (
    APIError,
    AuthenticationError,
    B3OSError,
    BadRequestError,
    ConfigError,
    ConflictError,
    DefinitionError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationFailedError,
)

if TYPE_CHECKING:
    from b3os._retry import RetryPolicy
    from b3os.client import Client
    from b3os.workflow import WorkflowSpec, ensure

# b3os.workflow and b3os.local must never be imported eagerly from this module.
_LAZY = {
    "Client": ("b3os.client", "Client"),
    "RetryPolicy": ("b3os._retry", "RetryPolicy"),
    "WorkflowSpec": ("b3os.workflow", "WorkflowSpec"),
    "ensure": ("b3os.workflow", "ensure"),
}

__all__ = [
    "APIError",
    "AuthenticationError",
    "B3OSError",
    "BadRequestError",
    "Client",
    "ConfigError",
    "ConflictError",
    "DefinitionError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "TransportError",
    "ValidationFailedError",
    "WorkflowSpec",
    "__version__",
    "ensure",
]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'b3os' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(target[0]), target[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
