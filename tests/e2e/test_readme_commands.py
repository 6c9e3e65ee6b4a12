"""The README's first command, run as written on a fresh clone: `make demo` end to end.

(`make test`, the second, is what CI runs on a fresh clone: CI itself proves it.)"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of the committed tree, with nothing of this checkout's venv or build output."""
    target = tmp_path_factory.mktemp("clone") / "b3os-iac"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    return target


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.pulumi
@pytest.mark.ansible
def test_make_demo_on_a_fresh_clone(fresh_clone: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("B3OS_", "PULUMI_", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    proc = subprocess.run(
        ["make", "demo"], cwd=fresh_clone, env=env, capture_output=True, text=True, timeout=1200
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    assert "Incoming message: Hello from the API" in output
    assert re.search(
        r"re-apply: Pulumi no changes, Ansible provisioning task ok, API writes to workflows: 0", output
    )
    assert "Demo finished" in output
    # The demo leaves nothing behind in the work tree.
    status = subprocess.run(["git", "status", "--porcelain"], cwd=fresh_clone, capture_output=True, text=True)
    assert status.stdout.strip() == ""
