"""Fixtures for the Ansible tests: the collection built and installed the way users do it,
b3os-local for playbooks, and a runner for real ``ansible-playbook``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from b3os.local import LocalServer

REPO = Path(__file__).resolve().parents[2]
COLLECTION_SRC = REPO / "ansible_collection"
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            pytest.skip(f"{name} is not installed (ansible-core is a dev dependency)")
        return found
    return str(path)


def ansible_env(collections_path: Path | None = None, **extra: str) -> dict[str, str]:
    """A clean environment for ansible commands: our venv first, no colour, no user config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "B3OS_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
    )
    if collections_path is not None:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(collections_path)
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def collection_artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``ansible-galaxy collection build`` of ansible_collection/ (honours build_ignore)."""
    out = tmp_path_factory.mktemp("galaxy-build")
    subprocess.run(
        [_tool("ansible-galaxy"), "collection", "build", str(COLLECTION_SRC), "--output-path", str(out)],
        check=True,
        capture_output=True,
        env=ansible_env(),
    )
    (artifact,) = out.glob("b3os-b3os-*.tar.gz")
    return artifact


@pytest.fixture(scope="session")
def installed_collections(collection_artifact: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The artifact installed with ``ansible-galaxy collection install -p``: a collections path."""
    dest = tmp_path_factory.mktemp("collections")
    subprocess.run(
        [_tool("ansible-galaxy"), "collection", "install", str(collection_artifact), "-p", str(dest)],
        check=True,
        capture_output=True,
        env=ansible_env(),
    )
    assert (dest / "ansible_collections" / "b3os" / "b3os" / "plugins" / "modules" / "workflow.py").is_file()
    return dest


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    """A fresh b3os-local in its own process (playbooks talk to it over loopback HTTP)."""
    with LocalServer(port=0, db=":memory:", mode="subprocess") as server:
        yield server


@dataclass
class Played:
    returncode: int
    output: str


def run_playbook(
    playbook: Path,
    *args: str,
    collections: Path,
    server: LocalServer,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> Played:
    """Real ``ansible-playbook`` (implicit localhost), url/key via B3OS_API_URL/B3OS_API_KEY."""
    extra = dict(env or {}, B3OS_API_URL=server.url, B3OS_API_KEY=server.api_key)
    proc = subprocess.run(
        [_tool("ansible-playbook"), str(playbook), *args],
        cwd=playbook.parent,
        env=ansible_env(collections, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    return Played(proc.returncode, proc.stdout)


def writes(server: LocalServer) -> list[str]:
    """Writes as internals.md defines them: non-GET requests except POST /v1/workflows/validate."""
    return [
        f"{r['method']} {r['path']}"
        for r in server.requests()
        if r["method"] != "GET" and r["path"] != "/v1/workflows/validate"
    ]
