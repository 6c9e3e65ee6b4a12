"""ansible-test sanity, units and integration on the collection, offline (scripts/ansible-test.sh)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import COLLECTION_SRC, REPO, ansible_env

SCRIPT = REPO / "scripts" / "ansible-test.sh"


def claimed_versions() -> list[str]:
    """The ansible-core release lines meta/runtime.yml claims (">=2.19.0,<2.22.0" -> 2.19, 2.20, 2.21)."""
    claim = yaml.safe_load((COLLECTION_SRC / "meta" / "runtime.yml").read_text())["requires_ansible"]
    low = re.search(r">=\s*2\.(\d+)", claim)
    high = re.search(r"<\s*2\.(\d+)", claim)
    assert low and high, f"requires_ansible {claim!r} needs a lower and an upper bound to be testable"
    return [f"2.{minor}" for minor in range(int(low.group(1)), int(high.group(1)))]


def _venv_core() -> str:
    import ansible.release

    return ".".join(ansible.release.__version__.split(".")[:2])


def ansible_test(
    *args: str, source: Path | None = None, timeout: float = 900, core: str | None = None
) -> subprocess.CompletedProcess[str]:
    extra = {"B3OS_COLLECTION_SRC": str(source)} if source is not None else {}
    if core is not None and core != _venv_core():
        extra["B3OS_ANSIBLE_CORE"] = core  # a cached venv with only that ansible-core
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
@pytest.mark.parametrize("core", claimed_versions())
def test_sanity_passes_on_every_claimed_ansible_core(core: str) -> None:
    assert (COLLECTION_SRC / "tests" / "sanity" / f"ignore-{core}.txt").is_file()
    result = ansible_test("sanity", core=core)
    assert result.returncode == 0, tail(result.stdout)
    assert 'Running sanity test "validate-modules"' in result.stdout
    assert f"scripts/ansible-test.sh: ansible-core {core}." in result.stdout


def test_sanity_ignore_files_are_exactly_the_claimed_versions() -> None:
    present = sorted(
        p.stem.removeprefix("ignore-") for p in (COLLECTION_SRC / "tests" / "sanity").glob("ignore-*.txt")
    )
    assert present == claimed_versions()


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
