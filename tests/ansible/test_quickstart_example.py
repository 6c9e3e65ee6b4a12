"""examples/ansible-quickstart/: provisions, runs, prints the logged message; a second run
changes nothing in provisioning. Collection installed from the built artifact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from b3os.local import LocalServer

from .conftest import REPO, run_playbook, writes

PLAYBOOK = REPO / "examples" / "ansible-quickstart" / "playbook.yml"
PROVISION = "Provision the quickstart workflow (validated by the server, then published)"
RUN = "Run it with input and follow the run to its end"
PRINT = "Print the logged message"
MESSAGE = "Incoming message: Hello from the API"


def task_statuses(output: str) -> dict[str, str]:
    """Task name -> its status word for localhost (ok, changed, failed, skipping) in default output."""
    statuses = {}
    for block in re.split(r"^TASK \[", output, flags=re.M)[1:]:
        name = block.split("]", 1)[0]
        match = re.search(r"^(ok|changed|failed|fatal|skipping): \[localhost\]", block, flags=re.M)
        statuses[name] = match.group(1) if match else "?"
    return statuses


@pytest.mark.ansible
def test_quickstart_playbook_twice(installed_collections: Path, local_server: LocalServer) -> None:
    first = run_playbook(PLAYBOOK, "-v", collections=installed_collections, server=local_server)
    assert first.returncode == 0, first.output[-4000:]
    assert task_statuses(first.output) == {PROVISION: "changed", RUN: "changed", PRINT: "ok"}
    assert f'"{MESSAGE}"' in first.output.split(f"TASK [{PRINT}]", 1)[1]
    first_writes = writes(local_server)
    assert [w.split("/")[-1] for w in first_writes] == ["workflows", "publish", "run"], first_writes

    local_server.clear_requests()
    second = run_playbook(PLAYBOOK, "-v", collections=installed_collections, server=local_server)
    assert second.returncode == 0, second.output[-4000:]
    assert task_statuses(second.output) == {PROVISION: "ok", RUN: "changed", PRINT: "ok"}
    assert f'"{MESSAGE}"' in second.output.split(f"TASK [{PRINT}]", 1)[1]
    assert [w.split("/")[-1] for w in writes(local_server)] == ["run"]  # provisioning wrote nothing
    assert local_server.api_key not in first.output + second.output
