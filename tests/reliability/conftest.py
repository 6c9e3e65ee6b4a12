"""Fixtures of the reliability suite (its own b3os-local, so fault settings never leak) and the
session-end summary of the reliability figures, printed whether or not output is captured."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from b3os.client import Client
from b3os.local import LocalServer
from tests.reliability import figures


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not figures.FIGURES:
        return
    terminalreporter.section("b3os reliability figures")
    for line in figures.lines():
        terminalreporter.write_line(line)
