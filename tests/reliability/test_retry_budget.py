"""Issue 18 items 4-7, the client's side: 500 is retried for requests safe to repeat; one retry
budget for every request (Retry-After honoured up to it, then a failure that says so, also for
a caller's own retries through ``client.backoff(..., budget=)``); give-up messages say how many
attempts over how long; an unresolvable host fails fast, a timeout or reset is retried."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from b3os.client import Client, RetryPolicy
from b3os.errors import RateLimitError, ServerError, TransportError
from b3os.local import LocalServer

KEY = "b3sk_budget_0a1b2c3d"
WF = {"id": "wf_1", "name": "n", "status": "draft"}


def ok(data: Any) -> httpx.Response:
    return httpx.Response(200, json={"code": 200, "message": "success", "data": data, "requestId": "r"})


def fail(status: int, **headers: str) -> httpx.Response:
    body = {"code": status * 1000 + 1, "message": f"failure {status}", "details": [], "requestId": "r"}
    return httpx.Response(status, json=body, headers=headers)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def scripted(
    steps: list[httpx.Response | Exception], policy: RetryPolicy | None = None
) -> tuple[Client, list[httpx.Request], Clock]:
    seen: list[httpx.Request] = []
    script: Iterator[httpx.Response | Exception] = iter(steps)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = next(script)
        if isinstance(step, Exception):
            raise step
        return step

    clock = Clock()
    client = Client(
        base_url="https://api.b3os.example",
        api_key=KEY,
        transport=httpx.MockTransport(handler),
        retry=policy or RetryPolicy(),
        sleep=clock.sleep,
        clock=clock,
    )
    return client, seen, clock


# -- item 4: 500 is retried when the request is safe to repeat -------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.list_workflows(),
        lambda c: c.get_workflow("wf_1"),
        lambda c: c.validate_definition({"nodes": {}}),
        lambda c: c.update_workflow("wf_1", name="x", expected_current_version=3),
        lambda c: c.publish("wf_1", expected_version=3),
        lambda c: c.connectors.list(),
        lambda c: c.variables.put("wf_1", "n", type="number", lifetime="persist"),
    ],
    ids=["list", "get", "validate", "locked-update", "locked-publish", "connectors", "variable-upsert"],
)
def test_500_is_retried_for_requests_safe_to_repeat(call: Callable[[Client], Any]) -> None:
    client, seen, _ = scripted(
        [
            fail(500),
            ok({**WF, "valid": True, "items": [], "name": "n", "type": "number", "lifetime": "persist"}),
        ]
    )
    call(client)
    assert len(seen) == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.create_workflow("n", "", {"nodes": {}}),
        lambda c: c.connectors.create(name="n", type="slack", data={}),
        lambda c: c.execution_webhooks.create(name="n", url="http://127.0.0.1/x"),
    ],
    ids=["workflow", "connector", "execution-webhook"],
)
def test_500_on_a_create_is_not_retried(call: Callable[[Client], Any]) -> None:
    client, seen, _ = scripted([fail(500), ok(WF)])
    with pytest.raises(ServerError):
        call(client)
    assert len(seen) == 1


def test_reads_converge_against_b3os_local_failing_30_percent_with_500() -> None:
    policy = RetryPolicy(backoff_base=0.01, backoff_max=0.05)
    with (
        LocalServer(port=0) as server,
        Client(base_url=server.url, api_key=server.api_key, retry=policy) as client,
    ):
        wf = client.create_workflow("w", "", {"nodes": {"root": {"type": "manual", "payload": {}}}})
        server.inject_faults(error_rate=0.3, statuses=(500, 502), retry_after=None, latency_ms=0, seed=7)
        for _ in range(20):
            assert client.get_workflow(wf.id).id == wf.id
            assert client.list_workflows().items
        failures = [e for e in server.requests() if (e.get("status") or 0) >= 500]
        assert failures, "faults were injected"


# -- item 5: one budget, Retry-After honoured up to it ---------------------------------------------


def test_retry_after_is_honoured_within_the_budget_then_the_failure_says_so() -> None:
    policy = RetryPolicy(max_attempts=100, max_elapsed=30.0)
    client, seen, clock = scripted([fail(429, **{"Retry-After": "5"})] * 100, policy)
    with pytest.raises(RateLimitError) as info:
        client.get_workflow("wf_1")
    assert clock.sleeps == [5.0] * 6 and clock.now <= 30.0 and len(seen) == 7
    assert "gave up after 7 attempts over 30.0 s" in str(info.value)
    assert "Retry-After" in str(info.value)


def test_retry_after_beyond_the_budget_fails_at_once_saying_why() -> None:
    client, seen, clock = scripted([fail(503, **{"Retry-After": "45"}), ok(WF)])
    started = time.monotonic()
    with pytest.raises(ServerError) as info:
        client.get_workflow("wf_1")
    assert clock.sleeps == [] and len(seen) == 1 and time.monotonic() - started < 1
    assert "the server asked to wait 45 s (Retry-After)" in str(info.value)


def test_a_callers_own_retries_spend_the_same_budget() -> None:
    """What the engine's create retry does: one budget made before the first attempt."""
    client, _, clock = scripted([], RetryPolicy(max_attempts=8, max_elapsed=30.0))
    budget = client.retry_budget()
    attempts = 0
    while True:
        attempts += 1
        budget.attempt()
        if not client.backoff(attempts, 5.0, budget=budget):
            break
    assert clock.now <= 30.0 and attempts == 7, (attempts, clock.sleeps)
    error = budget.give_up(RateLimitError("slow down", status_code=429))
    assert "gave up after 7 attempts over 30.0 s" in str(error)
    budget = client.retry_budget()
    budget.attempt()
    assert client.backoff(1, 45.0, budget=budget) is False and clock.sleeps.count(45.0) == 0


def test_backoff_without_a_budget_never_sleeps_longer_than_the_whole_budget() -> None:
    client, _, clock = scripted([], RetryPolicy(max_elapsed=30.0))
    assert client.backoff(1, 45.0) is False and clock.sleeps == []
    assert client.backoff(1, 2.0) is True and clock.sleeps == [2.0]


# -- item 6: give-up messages ----------------------------------------------------------------------


def test_giving_up_on_attempts_says_how_many_over_how_long() -> None:
    policy = RetryPolicy(max_attempts=3, backoff_base=1.0, backoff_max=1.0, max_elapsed=100.0)
    client, seen, _ = scripted([fail(503)] * 3, policy)
    with pytest.raises(ServerError) as info:
        client.get_workflow("wf_1")
    assert len(seen) == 3
    assert "gave up after 3 attempts over" in str(info.value)
    assert "the retry budget of 3 attempts is used up" in str(info.value)


def test_giving_up_on_transport_errors_says_so_too() -> None:
    policy = RetryPolicy(max_attempts=2, backoff_base=0.0, max_elapsed=10.0)
    client, _, _ = scripted([httpx.ReadTimeout("slow")] * 2, policy)
    with pytest.raises(TransportError, match="gave up after 2 attempts over"):
        client.get_workflow("wf_1")


# -- item 7: an unresolvable host is not transient -------------------------------------------------


def _dns_failure() -> httpx.ConnectError:
    try:
        raise socket.gaierror(-2, "Name or service not known")
    except socket.gaierror as cause:
        try:
            raise httpx.ConnectError("[Errno -2] Name or service not known") from cause
        except httpx.ConnectError as exc:
            return exc


def test_dns_failure_is_not_retried_and_names_the_host() -> None:
    client, seen, clock = scripted([_dns_failure(), ok(WF)])
    with pytest.raises(TransportError, match=r"cannot resolve api\.b3os\.example"):
        client.get_workflow("wf_1")
    assert len(seen) == 1 and clock.sleeps == []


def test_an_unresolvable_host_fails_within_a_couple_of_seconds_for_real() -> None:
    started = time.monotonic()
    with Client(base_url="https://b3os-no-such-host.invalid", api_key=KEY) as client:
        with pytest.raises(TransportError, match=r"cannot resolve b3os-no-such-host\.invalid"):
            client.get_workflow("wf_1")
    assert time.monotonic() - started < 3.0


@pytest.mark.parametrize(
    "exc",
    [httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow"), httpx.ReadError("connection reset by peer")],
    ids=["connect-timeout", "read-timeout", "reset"],
)
def test_timeouts_and_resets_are_still_retried(exc: Exception) -> None:
    client, seen, _ = scripted([exc, ok(WF)])
    assert client.get_workflow("wf_1").id == "wf_1"
    assert len(seen) == 2
