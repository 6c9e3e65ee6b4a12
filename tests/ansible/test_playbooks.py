"""The collection installed with ansible-galaxy from its built artifact, driven by real
ansible-playbook against b3os-local. (The full scenario list runs in test_ansible_test.py, through
ansible-test integration on the same installed tree.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from b3os.client import Client
from b3os.local import LocalServer
from b3os.workflow import WorkflowSpec, ensure

from .conftest import COLLECTION_SRC, run_playbook, writes

TARGET = COLLECTION_SRC / "tests" / "integration" / "targets" / "workflow"


@pytest.mark.ansible
def test_check_mode_reads_and_validates_but_never_writes(
    installed_collections: Path, local_server: LocalServer
) -> None:
    with Client(base_url=local_server.url, api_key=local_server.api_key) as client:
        definition = json.loads((TARGET / "files" / "v1.json").read_text())
        ensure(client, WorkflowSpec.build(name="cm-existing", definition=definition, state="published"))
    local_server.clear_requests()

    played = run_playbook(
        Path(__file__).parent / "playbooks" / "check_mode.yml",
        "--check",
        "--diff",
        collections=installed_collections,
        server=local_server,
    )
    assert played.returncode == 0, played.output[-4000:]
    requests = local_server.requests()
    assert writes(local_server) == []
    assert any(r["path"] == "/v1/workflows/validate" for r in requests)  # server-side validation ran
