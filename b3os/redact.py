"""Masking secrets in anything b3os prints: outputs, diffs, logs, error details.

Two mechanisms, both applied recursively to dicts, lists and tuples (a new value is returned;
the input is never mutated):
- by key: the value of a secret-named key (``triggerSecret``, ``apiKey``, ``Authorization``,
  ``password``, ``clientSecret``, ``accessToken``, …) becomes :data:`REDACTED`. Keys are
  compared case-insensitively with ``-``/``_`` removed; names ending in secret/password/token/
  apikey/accesstoken count too (not every "…Token": fromToken is a coin in crypto payloads).
- by value: every exact occurrence of a known secret (``secrets=``) inside any string is
  replaced, and ``Bearer <token>`` is masked wherever it appears.

A bare ``key`` is deliberately *not* a secret name: in workflow definitions it is the field
name of inputSchema items and storage nodes (``{"key": "counter"}``), and masking it would make
every plan diff unreadable. Pass ``keys=SECRET_KEYS | {"key"}`` where it is a credential.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["REDACTED", "SECRET_KEYS", "holds_secrets", "is_secret_key", "redact", "redact_text"]

REDACTED = "***"

# Normalized (lowercase, no '-'/'_') key names whose values are secrets.
SECRET_KEYS: frozenset[str] = frozenset(
    {
        "triggersecret", "apikey", "authorization", "secret", "password", "passwd", "token",
        "accesstoken", "refreshtoken", "idtoken", "clientsecret", "privatekey", "secretkey",
        "xapikey", "b3osapikey", "cookie", "setcookie", "webhooksecret", "signingsecret",
    }
)  # fmt: skip
_SECRET_SUFFIXES = ("secret", "password", "apikey", "privatekey", "accesstoken", "authtoken", "refreshtoken")
_BEARER_RE = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{4,}")
# Shorter "secrets" would mask ordinary words all over the output.
_MIN_SECRET_LENGTH = 4


def _norm(key: str) -> str:
    return key.replace("-", "").replace("_", "").lower()


def is_secret_key(key: object, keys: frozenset[str] = SECRET_KEYS) -> bool:
    """True when a mapping key names a secret value."""
    if not isinstance(key, str):
        return False
    k = _norm(key)
    return k in keys or k.endswith(_SECRET_SUFFIXES)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask known secret values and bearer/basic credentials inside one string."""
    for secret in sorted({s for s in secrets if s and len(s) >= _MIN_SECRET_LENGTH}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _BEARER_RE.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def redact(value: Any, secrets: Iterable[str | None] = (), *, keys: frozenset[str] = SECRET_KEYS) -> Any:
    """A copy of value with secret-named keys and known secret values masked as "***"."""
    known = tuple(s for s in secrets if isinstance(s, str))
    norm_keys = frozenset(_norm(k) for k in keys)
    return _redact(value, known, norm_keys)


def _redact(value: Any, secrets: tuple[str, ...], keys: frozenset[str]) -> Any:
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            if is_secret_key(k, keys) and v not in (None, ""):
                out[k] = REDACTED
            else:
                out[k] = _redact(v, secrets, keys)
        return out
    if isinstance(value, list):
        return [_redact(v, secrets, keys) for v in value]
    if isinstance(value, tuple):
        return tuple(_redact(v, secrets, keys) for v in value)
    return value


def holds_secrets(value: Any, *, keys: frozenset[str] = SECRET_KEYS) -> bool:
    """True when ``redact`` would mask something in value: a secret-named key with a value, or a
    ``Bearer``/``Basic`` credential inside a string (iterative: any depth)."""
    norm_keys = frozenset(_norm(k) for k in keys)
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _BEARER_RE.search(v):
                return True
        elif isinstance(v, Mapping):
            for k, sub in v.items():
                if is_secret_key(k, norm_keys) and sub not in (None, ""):
                    return True
                stack.append(sub)
        elif isinstance(v, list | tuple):
            stack.extend(v)
    return False
