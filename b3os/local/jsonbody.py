"""Strict JSON for request bodies: what b3os-local stores must be JSON it can echo back.

Refused with a ValueError (the routes answer 400 with the usual envelope, never a 500):
- ``NaN``/``Infinity`` and numbers that overflow a double (``1e400``): not JSON once echoed;
- nesting deeper than :data:`MAX_DEPTH`: the validator, the engine and SQLite would recurse;
- lone UTF-16 surrogates (``"\\ud800"``): they cannot be encoded as UTF-8 to store or send.
Integers beyond int64 are not refused here: the fields that hold integers check their range
(a payload number is free JSON, as in the Go service, which reads it into a float64).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["MAX_DEPTH", "parse_json"]

# ASSUMPTION: the real limit is unknown (Go's encoding/json allows 10,000). 128 is far above any
# real definition (nodes.<id>.payload.condition.$and[i]... is about 10 deep) and far below
# Python's recursion limit, so nothing downstream can overflow the stack.
MAX_DEPTH = 128

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def _check_tree(value: Any, surrogates: bool) -> None:
    """Depth (always) and lone surrogates (when the raw body had a surrogate escape); iterative."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > MAX_DEPTH:
                raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
            for key, sub in item.items():
                if surrogates:
                    _check_text(key)
                stack.append((sub, depth + 1))
        elif isinstance(item, list):
            if depth > MAX_DEPTH:
                raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
            stack.extend((sub, depth + 1) for sub in item)
        elif surrogates and isinstance(item, str):
            _check_text(item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a string holds a lone UTF-16 surrogate (e.g. \\ud800): not valid Unicode") from None


def parse_json(raw: bytes) -> Any:
    """Parse a request body or raise ValueError with a message fit for the 400 answer."""
    try:
        value = json.loads(raw, parse_constant=_reject_constant, parse_float=_float)
    except RecursionError:
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    surrogates = _SURROGATE_ESCAPE.search(raw) is not None
    # Cheap pre-test: a body with fewer brackets than MAX_DEPTH cannot be too deep.
    if surrogates or raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
        _check_tree(value, surrogates)
    return value
