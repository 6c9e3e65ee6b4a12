"""Fixtures of the reliability suite (its own b3os-local, so fault settings never leak) and the
session-end summary of the reliability figures, printed whether or not output is captured."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from b3os.client import Client
from b3os.local import LocalServer
from tests.reliability import figures, processes


@pytest.fixture(scope="session", autouse=True)
def _subreaper() -> None:
    """Orphans of crash tests are re-parented to pytest (not PID 1), so they can be found."""
    processes.enable_subreaper()


_AFTER_SETUP = pytest.StashKey[set[int]]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    yield
    # what the fixtures started (a session's b3os-local outlives the test, by design)
    item.stash[_AFTER_SETUP] = processes.children()


@pytest.fixture(autouse=True)
def no_process_left_behind(_subreaper: None, request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a process running (after killing it): crash tests reap what they kill."""
    yield
    before = request.node.stash.get(_AFTER_SETUP, set())
    deadline = time.monotonic() + 10  # a process told to stop may take a moment
    while True:
        processes.reap()
        left = processes.children() - before
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if left:
        described = [processes.describe(pid) for pid in sorted(left)]
        for pid in left:
            processes.kill_tree(pid)
        pytest.fail(f"the test left {len(left)} process(es) running: {'; '.join(described)}")


@pytest.fixture(scope="session")
def reliability_server() -> Iterator[LocalServer]:
    with LocalServer(port=0, heartbeat=0.5, stream_wait=10.0) as server:
        yield server


@pytest.fixture
def local(reliability_server: LocalServer) -> Iterator[LocalServer]:
    """The session's b3os-local, reset (empty, no faults, empty request log) for this test."""
    reliability_server.reset()
    yield reliability_server
    reliability_server.clear_faults()


@pytest.fixture
def api(local: LocalServer) -> Iterator[Client]:
    with Client(base_url=local.url, api_key=local.api_key) as client:
        yield client


# Under pytest-xdist each worker counts its own figures: a worker hands them to the controller
# (xdist's ``workeroutput``) when it finishes, and the controller prints the sum.
_WORKER_KEY = "b3os_reliability_figures"


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker
        workeroutput[_WORKER_KEY] = dict(figures.FIGURES)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    figures.FIGURES.update(getattr(node, "workeroutput", {}).get(_WORKER_KEY, {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not figures.FIGURES:
        return
    terminalreporter.section("b3os reliability figures")
    for line in figures.lines():
        terminalreporter.write_line(line)
