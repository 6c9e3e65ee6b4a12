"""Small helpers shared by the local store, backend and engine: ids, clocks, JSON."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

__all__ = ["dumps", "new_id", "now_iso", "parse_iso"]

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def new_id(prefix: str, length: int = 20) -> str:
    """``wf_…``, ``run_…``, ``org_…``: prefix + lowercase alphanumerics (§4).

    One random draw per id (not one per character): ids are on the create hot path."""
    number = secrets.randbits(length * 6)  # 2**120 >> 36**20: the base-36 digits are uniform
    digits = []
    for _ in range(length):
        number, digit = divmod(number, 36)
        digits.append(_ALPHABET[digit])
    return prefix + "".join(digits)


def now_iso() -> str:
    """ISO-8601 UTC with millisecond precision and a ``Z`` suffix (G16)."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def dumps(value: Any) -> str:
    """Compact JSON, the one encoding used on the wire and in SQLite."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
