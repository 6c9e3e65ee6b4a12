"""Retry policy: which failures are retried, and how long to wait between attempts.

Exponential backoff with full jitter (a uniform wait between 0 and base·2^(n-1), capped), unless
the server sent ``Retry-After``, which wins. Bounded both by attempts and by total elapsed time.
Whether a request is *safe* to repeat is the caller's decision (see ``Client``), not this module's.

:class:`RetryBudget` is the one allowance of a logical request: the client's retry loop spends
it, and so does a caller that retries by itself (the engine's create, which the client must not
repeat): ``budget = client.retry_budget()``, then after each failure
``if not client.backoff(budget.attempts, retry_after, budget=budget): raise budget.give_up(exc)``.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

__all__ = [
    "DEFAULT_RETRY",
    "NO_RETRY",
    "RETRY_STATUSES",
    "RetryBudget",
    "RetryPolicy",
    "parse_retry_after",
]

# 500 too (issue 18 item 4): only requests safe to repeat are ever retried, and for those an
# internal error is as transient as a 503 (a load balancer or a restarted instance).
RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a request that is safe to repeat.

    max_attempts: total tries including the first (1 = never retry). 10, because a run of a few
        hundred requests against an API failing 30% of the time (the reliability suite's bar) must
        still finish: 8 tries lose one request in 15,000, about one apply of 50 (~300 requests) in
        50 (one failed so in a full test run); 10 lose one in 170,000. Waits without a Retry-After stay bounded by
        ``max_elapsed``, which then ends the retries first (at about the 8th try).
    backoff_base / backoff_max: seconds; the n-th wait is uniform in [0, min(max, base·2^(n-1))].
    max_elapsed: seconds; no retry is started if its wait would end past this budget.
    """

    max_attempts: int = 10
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


E = TypeVar("E", bound=BaseException)


class RetryBudget:
    """The retry allowance of one logical request: ``policy.max_attempts`` tries and
    ``policy.max_elapsed`` seconds from the moment the budget was made, whoever does the retrying.

    ``attempt()`` counts a try; ``wait(retry_after)`` sleeps before the next one and returns True,
    or returns False (without sleeping) when the next try would exceed either bound, leaving the
    reason in ``exhausted_reason``; ``give_up(error)`` appends "gave up after N attempts over T s"
    and that reason to the error's message.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._sleep = sleep
        self.started = clock()
        self.attempts = 0
        self.exhausted_reason: str | None = None

    def attempt(self) -> int:
        """Count one try; returns its number (1-based)."""
        self.attempts += 1
        return self.attempts

    @property
    def elapsed(self) -> float:
        return self._clock() - self.started

    def next_delay(self, retry_after: float | None = None) -> float | None:
        """The wait before the next try, or None when the budget does not allow one."""
        policy = self.policy
        if self.attempts >= policy.max_attempts:
            self.exhausted_reason = f"the retry budget of {policy.max_attempts} attempts is used up"
            return None
        delay = policy.delay(max(1, self.attempts), retry_after)
        remaining = policy.max_elapsed - self.elapsed
        if delay > remaining:
            if retry_after is not None:
                self.exhausted_reason = (
                    f"the server asked to wait {retry_after:g} s (Retry-After), more than the "
                    f"{max(0.0, remaining):.1f} s left of the {policy.max_elapsed:g} s retry budget"
                )
            else:
                self.exhausted_reason = f"the retry budget of {policy.max_elapsed:g} s is used up"
            return None
        return delay

    def wait(self, retry_after: float | None = None) -> bool:
        delay = self.next_delay(retry_after)
        if delay is None:
            return False
        self._sleep(delay)
        return True

    def summary(self) -> str:
        n = self.attempts
        return f"{n} attempt{'s' if n != 1 else ''} over {self.elapsed:.1f} s"

    def give_up(self, error: E) -> E:
        """``error`` with "(gave up after N attempts over T s: why)" appended to its message."""
        note = f"gave up after {self.summary()}"
        if self.exhausted_reason:
            note += f": {self.exhausted_reason}"
        message = getattr(error, "message", None)
        if isinstance(message, str) and note not in message:
            error.message = f"{message} ({note})"  # type: ignore[attr-defined]
            error.args = (error.message,)  # type: ignore[attr-defined]
        return error


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
    from email.utils import parsedate_to_datetime  # ~15 ms of imports: only for an HTTP-date value

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())
