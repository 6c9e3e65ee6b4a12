"""Bounded parallelism for the engine's requests: one WAN round trip each, ``parallelism`` at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["bounded_map"]

T = TypeVar("T")
R = TypeVar("R")


def bounded_map(fn: Callable[[T], R], items: Sequence[T], parallelism: int) -> list[R]:
    """``[fn(item) for item in items]``, at most ``parallelism`` at a time, results in input order
    whatever order they finish in; the first exception (in input order) is raised after all ran."""
    if parallelism <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(parallelism, len(items))) as pool:
        return list(pool.map(fn, items))
