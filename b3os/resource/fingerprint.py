"""Fingerprints of write-only values (connector credentials): change detection without the value.

The API never returns a write-only value, so "did it change?" is answered against a fingerprint
of what was last sent: a salted PBKDF2-SHA256 of its canonical JSON. Salted and slow, so that a
fingerprint kept in a state file or a committed record does not let anyone test guesses of a
short password quickly; never the value itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

__all__ = ["fingerprint", "matches"]

_SCHEME = "pbkdf2-sha256"
_ITERATIONS = 20_000


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _derive(value: Any, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", _canonical(value), salt, iterations)


def fingerprint(value: Any, *, salt: bytes | None = None) -> str:
    """``pbkdf2-sha256$ITERATIONS$SALT$HASH`` of ``value``."""
    salt = salt if salt is not None else os.urandom(16)
    digest = _derive(value, salt, _ITERATIONS)
    return f"{_SCHEME}${_ITERATIONS}${salt.hex()}${digest.hex()}"


def matches(value: Any, stored: str | None) -> bool | None:
    """True/False when ``stored`` is a fingerprint of ``value`` or not; ``None`` when unknown."""
    if not isinstance(stored, str):
        return None
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != _SCHEME:
            return None
        expected = bytes.fromhex(digest)
        actual = _derive(value, bytes.fromhex(salt), int(iterations))
    except ValueError:
        return None
    return hmac.compare_digest(expected, actual)
