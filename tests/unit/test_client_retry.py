"""Client retries: which requests, which failures, how long (sleep and clock are injected)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from b3os._retry import DEFAULT_RETRY, RetryPolicy, parse_retry_after
from b3os.client import Client
from b3os.errors import BadRequestError, RateLimitError, ServerError, TransportError

KEY = "b3sk_retry_0a1b2c3d"
WF = {"id": "wf_1", "name": "n", "status": "draft"}


def ok(data: Any) -> httpx.Response:
    return httpx.Response(200, json={"code": 200, "message": "success", "data": data, "requestId": "r"})


def fail(status: int, code: int | None = None, **headers: str) -> httpx.Response:
    body = {
        "code": code or status * 1000 + 1,
        "message": f"failure {status}",
        "details": [],
        "requestId": "r",
    }
    return httpx.Response(status, json=body, headers=headers)


class Clock:
    """A fake monotonic clock that advances only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


Step = httpx.Response | Exception


def scripted(
    steps: list[Step], policy: RetryPolicy = DEFAULT_RETRY
) -> tuple[Client, list[httpx.Request], Clock]:
    seen: list[httpx.Request] = []
    script: Iterator[Step] = iter(steps)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = next(script)
        if isinstance(step, Exception):
            raise step
        return step

    clock = Clock()
    client = Client(
        api_key=KEY, transport=httpx.MockTransport(handler), retry=policy, sleep=clock.sleep, clock=clock
    )
    return client, seen, clock


def test_429_with_retry_after_seconds_is_honoured() -> None:
    client, seen, clock = scripted([fail(429, **{"Retry-After": "3"}), ok(WF)])
    assert client.get_workflow("wf_1").id == "wf_1"
    assert len(seen) == 2 and clock.sleeps == [3.0]


def test_429_with_retry_after_http_date_is_honoured() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    client, seen, clock = scripted([fail(429, **{"Retry-After": when}), ok(WF)])
    client.get_workflow("wf_1")
    assert len(clock.sleeps) == 1 and 3.0 <= clock.sleeps[0] <= 5.0


def test_503_then_success_is_retried_with_jittered_backoff() -> None:
    policy = RetryPolicy(max_attempts=5, backoff_base=0.5, backoff_max=8.0, max_elapsed=60.0)
    client, seen, clock = scripted([fail(503), fail(502), fail(504), ok(WF)], policy)
    assert client.get_workflow("wf_1").id == "wf_1"
    assert len(seen) == 4
    # Full jitter: the n-th wait lies in [0, base * 2^(n-1)].
    assert [0 <= s <= 0.5 * 2**i for i, s in enumerate(clock.sleeps)] == [True, True, True]


def test_post_v1_workflows_is_never_retried() -> None:
    client, seen, clock = scripted([fail(503), ok(WF)])
    with pytest.raises(ServerError):
        client.create_workflow("n", "d", {"nodes": {}})
    assert len(seen) == 1 and clock.sleeps == []


def test_post_v1_workflows_is_not_retried_on_connection_errors_or_429() -> None:
    client, seen, _ = scripted([httpx.ReadTimeout("timed out"), ok(WF)])
    with pytest.raises(TransportError, match="timed out"):
        client.create_workflow("n", "d", {"nodes": {}})
    assert len(seen) == 1
    client, seen, _ = scripted([fail(429, **{"Retry-After": "1"}), ok(WF)])
    with pytest.raises(RateLimitError) as info:
        client.create_workflow("n", "d", {"nodes": {}})
    assert len(seen) == 1 and info.value.retry_after == 1.0


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.unarchive_workflow("wf_1"),
        lambda c: c.cancel_run("run_1"),
        lambda c: c.retry_run("run_1"),
        lambda c: c.rollback("wf_1", 1),
    ],
    ids=["unarchive", "cancel", "retry", "rollback"],
)
def test_other_unsafe_posts_are_not_retried(call: Callable[[Client], Any]) -> None:
    client, seen, _ = scripted([fail(503), ok({"id": "x"})])
    with pytest.raises(ServerError):
        call(client)
    assert len(seen) == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_workflow("wf_1"),
        lambda c: c.update_workflow("wf_1", name="x"),
        lambda c: c.archive_workflow("wf_1"),
        lambda c: c.validate_definition({"nodes": {}}),
        lambda c: c.publish("wf_1"),
        lambda c: c.pause("wf_1"),
        lambda c: c.resume("wf_1"),
    ],
    ids=["get", "put", "delete", "validate", "publish", "pause", "resume"],
)
def test_safe_requests_are_retried(call: Callable[[Client], Any]) -> None:
    client, seen, _ = scripted([fail(503), ok({**WF, "valid": True})])
    call(client)
    assert len(seen) == 2


@pytest.mark.parametrize(
    "exc",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("peer closed")],
)
def test_connection_errors_are_retried_for_safe_requests(exc: Exception) -> None:
    client, seen, _ = scripted([exc, ok(WF)])
    assert client.get_workflow("wf_1").id == "wf_1"
    assert len(seen) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 501])
def test_non_retryable_statuses_fail_at_once(status: int) -> None:
    client, seen, _ = scripted([fail(status), ok(WF)])
    with pytest.raises(Exception) as info:
        client.get_workflow("wf_1")
    assert getattr(info.value, "status_code", None) == status and len(seen) == 1


def test_bounded_by_attempts() -> None:
    policy = RetryPolicy(max_attempts=3, backoff_base=0.1, backoff_max=1.0, max_elapsed=100.0)
    client, seen, clock = scripted([fail(503)] * 10, policy)
    with pytest.raises(ServerError):
        client.get_workflow("wf_1")
    assert len(seen) == 3 and len(clock.sleeps) == 2


def test_bounded_by_total_time() -> None:
    policy = RetryPolicy(max_attempts=100, backoff_base=1.0, backoff_max=1.0, max_elapsed=10.0)
    client, seen, clock = scripted([fail(429, **{"Retry-After": "4"})] * 100, policy)
    with pytest.raises(RateLimitError):
        client.get_workflow("wf_1")
    # 0 → 4 → 8; the next wait would end at 12 > 10, so the client gives up instead of sleeping.
    assert clock.sleeps == [4.0, 4.0] and len(seen) == 3 and clock.now <= policy.max_elapsed


def test_retry_after_longer_than_the_budget_is_not_slept() -> None:
    client, seen, clock = scripted([fail(503, **{"Retry-After": "3600"}), ok(WF)])
    with pytest.raises(ServerError):
        client.get_workflow("wf_1")
    assert clock.sleeps == [] and len(seen) == 1


def test_run_with_client_chosen_id_is_retried_with_the_same_id() -> None:
    client, seen, _ = scripted([fail(503), ok({"runId": "run_mine"})])
    assert client.run_workflow("wf_1", run_id="run_mine") == "run_mine"
    assert [json.loads(r.content)["runId"] for r in seen] == ["run_mine", "run_mine"]


def test_duplicate_run_id_on_a_retry_means_already_created() -> None:
    # First attempt reached the server but its answer was lost (502 from the proxy).
    client, seen, _ = scripted([fail(502), fail(400, 400079)])
    assert client.run_workflow("wf_1", run_id="run_mine") == "run_mine"
    assert len(seen) == 2


def test_duplicate_run_id_on_the_first_attempt_is_an_error() -> None:
    client, seen, _ = scripted([fail(400, 400079)])
    with pytest.raises(BadRequestError) as info:
        client.run_workflow("wf_1", run_id="run_reused")
    assert info.value.code == 400079


# -- the policy itself ----------------------------------------------------------------------------


def test_policy_is_frozen_and_validated() -> None:
    with pytest.raises(AttributeError):
        DEFAULT_RETRY.max_attempts = 9  # type: ignore[misc]
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(backoff_base=-1)


def test_backoff_is_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_max=5.0)
    rng = random.Random(7)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (10, 5.0)]:
        samples = [policy.delay(attempt, rng=rng) for _ in range(200)]
        assert all(0 <= s <= ceiling for s in samples)
        assert max(samples) > ceiling * 0.8 and min(samples) < ceiling * 0.2  # spread over the range
    assert policy.delay(3, retry_after=12.0) == 12.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("2", 2.0),
        ("0.5", 0.5),
        ("-3", 0.0),
        ("nan", None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0


def test_backoff_waits_as_the_policy_says_for_callers_own_retries() -> None:
    slept: list[float] = []
    client = Client(
        base_url="https://api.b3os.org",
        api_key="b3sk_test",
        retry=RetryPolicy(max_attempts=3, backoff_base=0.5, backoff_max=8.0),
        sleep=slept.append,
    )
    try:
        client.backoff(1, retry_after=2.5)
        client.backoff(3)
    finally:
        client.close()
    assert slept[0] == 2.5, "Retry-After wins"
    assert 0 <= slept[1] <= 2.0, "third wait is at most base * 2**2"


def test_a_429_slows_every_request_of_the_client_not_only_the_refused_one() -> None:
    """One shared limiter: while one thread waits out a 429's Retry-After, another thread's new
    request does not start either (a parallel apply would otherwise keep hammering the API)."""
    import threading
    import time

    refused = threading.Event()
    started: dict[str, float] = {}
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        with lock:
            first = path not in started
            started.setdefault(path, time.monotonic())
        if path.endswith("wf_a") and first:
            refused.set()
            return httpx.Response(
                429, headers={"Retry-After": "0.6"}, json={"code": 429000, "message": "slow down"}
            )
        return httpx.Response(
            200, json={"code": 200, "message": "ok", "data": {"id": path.rsplit("/", 1)[-1], "name": "x"}}
        )

    client = Client(base_url="https://api.b3os.test", api_key="k", transport=httpx.MockTransport(handler))
    worker = threading.Thread(target=client.get_workflow, args=("wf_a",))
    worker.start()
    assert refused.wait(5)
    refused_at = time.monotonic()
    client.get_workflow("wf_b")
    worker.join(5)
    assert started["/v1/workflows/wf_b"] >= refused_at + 0.4  # held until the Retry-After passed
