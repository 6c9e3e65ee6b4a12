"""Fixtures for the Pulumi tests: the CLI (or a clear skip), one b3os-local, one project per test.

CLI tests are marked ``pulumi``. Without the CLI they are skipped with the reason, unless
B3OS_REQUIRE_PULUMI is set (CI sets it), in which case a missing CLI is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from b3os.local import LocalServer
from tests.pulumi.harness import PulumiProject, find_pulumi_bin


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    found = find_pulumi_bin()
    if found is None:
        message = (
            "the pulumi CLI with its Python helpers was not found (B3OS_PULUMI_BIN, PATH, or the "
            "directory scripts/install-pulumi.sh builds into): run `bash scripts/install-pulumi.sh` "
            "or `make test`"
        )
        if os.environ.get("B3OS_REQUIRE_PULUMI"):
            pytest.fail(message + " (B3OS_REQUIRE_PULUMI is set)")
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def pulumi_server() -> Iterator[LocalServer]:
    """One b3os-local for the Pulumi tests; each project gets its own organization on it."""
    with LocalServer(port=0) as server:
        yield server


@pytest.fixture
def project(tmp_path: Path, pulumi_bin: Path, pulumi_server: LocalServer) -> PulumiProject:
    return PulumiProject.create(tmp_path, pulumi_bin, pulumi_server)
