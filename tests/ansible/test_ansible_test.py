"""ansible-test sanity, units and integration on the collection, offline (scripts/ansible-test.sh)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .conftest import REPO, ansible_env

SCRIPT = REPO / "scripts" / "ansible-test.sh"


def ansible_test(
    *args: str, source: Path | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    extra = {"B3OS_COLLECTION_SRC": str(source)} if source is not None else {}
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        cwd=REPO,
        env=ansible_env(**extra),
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
def test_integration_on_the_installed_collection_with_vvvv_and_no_secret_in_output(
    installed_collections: Path,
) -> None:
    # The tree ansible-galaxy installed from the built artifact is what ansible-test runs on, so the
    # scenarios exercise the collection as users get it. runme.sh starts b3os-local, runs every
    # scenario through ansible-playbook with --diff and the -vvvv handed down by ansible-test, then
    # scans the whole output for the API key and every workflow's trigger secret.
    installed = installed_collections / "ansible_collections" / "b3os" / "b3os"
    result = ansible_test("integration", "-vvvv", "workflow", source=installed)
    assert result.returncode == 0, tail(result.stdout)
    assert "MANIFEST.json" in {p.name for p in installed.iterdir()}  # a galaxy install, not the checkout
    assert "scan_secrets: the API key and" in result.stdout
    assert "PLAY RECAP" in result.stdout and "failed=0" in result.stdout
