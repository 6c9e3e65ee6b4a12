"""ansible-test sanity, units and integration on the collection, offline (scripts/ansible-test.sh)."""

from __future__ import annotations

import subprocess

import pytest

from .conftest import REPO, ansible_env

SCRIPT = REPO / "scripts" / "ansible-test.sh"


def ansible_test(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        cwd=REPO,
        env=ansible_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )


def tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.mark.ansible
@pytest.mark.slow
def test_sanity_passes() -> None:
    result = ansible_test("sanity")
    assert result.returncode == 0, tail(result.stdout)
    assert 'Running sanity test "validate-modules"' in result.stdout


@pytest.mark.ansible
def test_units_pass() -> None:
    result = ansible_test("units")
    assert result.returncode == 0, tail(result.stdout)
    assert " passed" in result.stdout and " failed" not in result.stdout


@pytest.mark.ansible
@pytest.mark.slow
def test_integration_passes_with_vvvv_and_no_secret_in_output() -> None:
    # runme.sh starts b3os-local, runs every scenario with --diff and the -vvvv ansible-test hands
    # it, then scans the output for the API key and every trigger secret.
    result = ansible_test("integration", "-vvvv", "workflow")
    assert result.returncode == 0, tail(result.stdout)
    assert "scan_secrets: the API key and" in result.stdout
