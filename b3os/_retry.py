"""Retry policy: which failures are retried, and how long to wait between attempts.

Exponential backoff with full jitter (a uniform wait between 0 and base·2^(n-1), capped), unless
the server sent ``Retry-After``, which wins. Bounded both by attempts and by total elapsed time.
Whether a request is *safe* to repeat is the caller's decision (see ``Client``), not this module's.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["DEFAULT_RETRY", "NO_RETRY", "RETRY_STATUSES", "RetryPolicy", "parse_retry_after"]

RETRY_STATUSES: frozenset[int] = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a request that is safe to repeat.

    max_attempts: total tries including the first (1 = never retry). 8, because a run of a few
        hundred requests against an API failing 20% of the time must still finish: 4 tries lose
        one request in 625, i.e. about one run in three; 8 lose one in 390,625.
    backoff_base / backoff_max: seconds; the n-th wait is uniform in [0, min(max, base·2^(n-1))].
    max_elapsed: seconds; no retry is started if its wait would end past this budget.
    """

    max_attempts: int = 8
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_elapsed: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be >= 1")
        if self.backoff_base < 0 or self.backoff_max < 0 or self.max_elapsed < 0:
            raise ValueError("RetryPolicy durations must be >= 0")

    def delay(
        self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if retry_after is not None:
            return max(0.0, retry_after)
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return (rng or random).uniform(0.0, ceiling)


DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(max_attempts=1)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None if absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())
