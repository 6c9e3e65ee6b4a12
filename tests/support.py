"""Helpers the test suites share: API call counts from b3os-local's request log."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

READ_ONLY_POSTS = ("/v1/workflows/validate",)


def is_write(entry: Mapping[str, Any]) -> bool:
    """A request that changes something: any non-GET except the side-effect-free validator."""
    return entry["method"] != "GET" and entry["path"] not in READ_ONLY_POSTS


@dataclass(frozen=True)
class Calls:
    reads: int
    writes: int
    by_operation: Counter[str]

    @classmethod
    def of(cls, entries: Iterable[Mapping[str, Any]]) -> Calls:
        entries = list(entries)
        writes = [e for e in entries if is_write(e)]
        ops: Counter[str] = Counter(f"{e['method']} {_shape(e['path'])}" for e in entries)
        return cls(reads=len(entries) - len(writes), writes=len(writes), by_operation=ops)


def _shape(path: str) -> str:
    """/v1/workflows/wf_abc/publish -> /v1/workflows/{id}/publish"""
    return "/".join("{id}" if part.startswith(("wf_", "run_")) else part for part in path.split("/"))
