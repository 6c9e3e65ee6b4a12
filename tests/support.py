"""Helpers the test suites share: the quickstart definition and API call counts from b3os-local's
request log."""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from b3os.local import is_write

ROOT = Path(__file__).resolve().parents[1]

# The B3OS API quickstart's workflow (manual trigger -> log), as the examples ship it.
QUICKSTART_DEFINITION: dict[str, Any] = json.loads(
    (ROOT / "examples" / "pulumi-quickstart" / "workflow.json").read_text()
)


def with_message(message: str) -> dict[str, Any]:
    """The quickstart definition with another log message (a one-node content change)."""
    definition = copy.deepcopy(QUICKSTART_DEFINITION)
    definition["nodes"]["log_message"]["payload"]["message"] = message
    return definition


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


def max_in_flight(requests: Iterable[Mapping[str, Any]]) -> int:
    """The most requests b3os-local was serving at one moment, from its request log (each entry's
    arrival ``at`` and ``durationMs``): how a concurrency test proves concurrency without a clock
    limit that a loaded machine would break."""
    from datetime import datetime, timedelta

    events: list[tuple[datetime, int]] = []
    for r in requests:
        start = datetime.fromisoformat(str(r["at"]).replace("Z", "+00:00"))
        events += [(start, 1), (start + timedelta(milliseconds=float(r["durationMs"] or 0)), -1)]
    most = current = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):  # an end before a start at a tie
        current += step
        most = max(most, current)
    return most
