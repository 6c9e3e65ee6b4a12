"""Bounded concurrency shared by the engine (``b3os.resource.fleet``) and the workflow layer.

Writes of independent objects run ``parallelism`` at a time (default 10, like ``terraform
-parallelism``). The server's validations have no side effects, so they run at
``validation_parallelism(parallelism)`` = twice that: the validation phase that must finish before
the first write then costs about half a write phase, not a whole one. The one 429 limiter in
``b3os._transport`` still slows every request of the pool when the server asks to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

__all__ = ["DEFAULT_PARALLELISM", "VALIDATION_FACTOR", "pool_map", "validation_parallelism"]

DEFAULT_PARALLELISM = 10
VALIDATION_FACTOR = 2

T = TypeVar("T")
R = TypeVar("R")


def validation_parallelism(parallelism: int) -> int:
    """How many side-effect-free validations run at once when writes run ``parallelism`` at once."""
    return max(1, parallelism) * VALIDATION_FACTOR if parallelism > 1 else 1


def pool_map(fn: Callable[[T], R], items: Sequence[T], parallelism: int) -> list[R]:
    """``[fn(item) for item in items]``, ``parallelism`` at a time; results in the order of
    ``items``. An error is raised in that order too (the first failing item's, whatever finished
    first); calls not started yet are then cancelled, calls in flight are waited for."""
    if parallelism <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor  # ~10 ms of imports: only when a pool is needed

    with ThreadPoolExecutor(max_workers=min(parallelism, len(items))) as pool:
        return list(pool.map(fn, items))
