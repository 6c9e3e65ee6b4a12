"""pool_map: at most N at once (and really N at once), input order, errors raised."""

from __future__ import annotations

import threading
import time

import pytest

from b3os._pool import pool_map


def test_runs_exactly_parallelism_at_once_and_keeps_input_order() -> None:
    barrier = threading.Barrier(4, timeout=10)  # breaks unless 4 calls are in flight together
    lock, running, peak = threading.Lock(), [0], [0]

    def call(i: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        if i < 4:
            barrier.wait()
        time.sleep(0.001 * (8 - i))  # later items finish first
        with lock:
            running[0] -= 1
        return i * i

    assert pool_map(call, list(range(8)), 4) == [i * i for i in range(8)]
    assert peak[0] == 4


def test_one_at_a_time_and_errors_propagate() -> None:
    seen: list[int] = []
    assert pool_map(seen.append, [3, 1, 2], 1) == [None, None, None]
    assert seen == [3, 1, 2]

    def fail(i: int) -> int:
        if i == 2:
            raise ValueError("two")
        return i

    with pytest.raises(ValueError, match="two"):
        pool_map(fail, [1, 2, 3], 3)
