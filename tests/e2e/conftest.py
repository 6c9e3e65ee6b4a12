"""Fixtures for the end-to-end tests: moto in server mode, b3os-local, collections installed as
users install them, and a runner for ansible-playbook with a clean environment.

Every server here listens on 127.0.0.1 on a free port and is stopped by its fixture.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from b3os.local import LocalServer
from tests.ansible.conftest import collection_artifact, installed_collections

__all__ = ["collection_artifact", "installed_collections"]  # fixtures re-exported for tests/e2e

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
AWS_REGION = "us-east-1"
# moto accepts any credentials; these never leave the loopback server.
AWS_DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

_RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.MULTILINE,
)


# -- AWS: moto in server mode ----------------------------------------------------------------
@dataclass(frozen=True)
class Moto:
    endpoint_url: str

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=AWS_REGION,
            aws_access_key_id=AWS_DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=AWS_DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def reset(self) -> None:
        import httpx

        httpx.post(f"{self.endpoint_url}/moto-api/reset", timeout=10).raise_for_status()

    def env(self) -> dict[str, str]:
        """The standard AWS environment that points every SDK call at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": AWS_REGION,
            "AWS_DEFAULT_REGION": AWS_REGION,
            **AWS_DUMMY_CREDENTIALS,
        }


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Moto]:
    """One ThreadedMotoServer per session on 127.0.0.1 (a free port)."""
    from moto.server import ThreadedMotoServer

    # werkzeug logs every request at INFO to stderr; keep the test output readable.
    werkzeug_log = logging.getLogger("werkzeug")
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield Moto(endpoint_url=f"http://{host}:{port}")
    finally:
        server.stop()
        werkzeug_log.setLevel(level)


@pytest.fixture
def moto(moto_server: Moto) -> Moto:
    """The session's moto server, emptied for this test."""
    moto_server.reset()
    return moto_server


# -- B3OS: b3os-local --------------------------------------------------------------------------
@pytest.fixture
def local_b3os() -> Iterator[LocalServer]:
    """A fresh b3os-local server (in-memory database) for one test."""
    with LocalServer(port=0) as server:
        yield server


# -- Ansible collections, installed as users install them ----------------------------------------
@pytest.fixture(scope="session")
def aws_collections_path() -> Path:
    """amazon.aws + community.aws from the `ansible` PyPI wheel (Galaxy is unreachable here),
    cached under ~/.cache/b3os-iac by scripts/install-aws-collections.sh."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "install-aws-collections.sh")],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/install-aws-collections.sh failed:\n{done.stderr}")
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def b3os_collection_path(installed_collections: Path) -> Path:
    """b3os.b3os built and installed the way users do (``ansible-galaxy collection build`` then
    ``install -p``): the tests/ansible fixtures, shared rather than repeated."""
    return installed_collections


# -- ansible-playbook ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PlaybookRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def recap(self, host: str = "localhost") -> dict[str, int]:
        """The PLAY RECAP counters of ``host`` (ok, changed, failed, …)."""
        for match in _RECAP.finditer(self.stdout):
            if match["host"] == host:
                return {k: int(v) for k, v in match.groupdict().items() if k != "host"}
        raise AssertionError(f"no PLAY RECAP line for {host!r} in:\n{self.stdout[-4000:]}")


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The runner's environment without the caller's AWS/B3OS settings (no real account, no
    fallback key), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "B3OS_", "ANSIBLE_", "BOTO_"))}
    env.update(
        {
            # never read ~/.aws or the instance metadata service
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    env.update(extra)
    return env


def _run_playbook(
    playbook: Path, env: Mapping[str, str], *args: str, cwd: Path | None = None, timeout: float = 300
) -> PlaybookRun:
    done = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), *args, str(playbook)],
        env=clean_env(env),
        cwd=str(cwd or playbook.parent),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return PlaybookRun(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def run_playbook() -> Callable[..., PlaybookRun]:
    """``run_playbook(path, env, *ansible_playbook_args)`` -> PlaybookRun (stdout, stderr, recap())
    with the implicit localhost, no colors, and none of the caller's AWS/B3OS/ANSIBLE settings."""
    return _run_playbook
