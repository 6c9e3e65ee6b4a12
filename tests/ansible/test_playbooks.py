"""The collection installed with ansible-galaxy from its built artifact, driven by real
ansible-playbook against b3os-local: the scenario playbook at -vvvv --diff without leaking
secrets, and the expressions reaching B3OS byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from b3os.client import Client
from b3os.local import LocalServer
from b3os.workflow import WorkflowSpec, ensure

from .conftest import COLLECTION_SRC, run_playbook, writes

TARGET = COLLECTION_SRC / "tests" / "integration" / "targets" / "workflow"


def all_workflows(client: Client) -> list[dict[str, object]]:
    rows = list(client.iter_workflows()) + list(client.iter_workflows(status="archived"))
    return [client.get_workflow(row.id).model_dump(by_alias=True, mode="json") for row in rows]


@pytest.mark.ansible
@pytest.mark.slow
def test_scenarios_with_installed_collection_never_print_secrets(
    installed_collections: Path, local_server: LocalServer
) -> None:
    played = run_playbook(
        TARGET / "playbook.yml", "-vvvv", "--diff", collections=installed_collections, server=local_server
    )
    assert played.returncode == 0, played.output[-6000:]
    assert str(installed_collections) in played.output  # the galaxy-installed copy ran, not the checkout

    with Client(base_url=local_server.url, api_key=local_server.api_key) as client:
        workflows = all_workflows(client)
    secrets = [w["triggerSecret"] for w in workflows if w.get("triggerSecret")]
    assert len(secrets) >= 5  # one per workflow the scenarios made: the scan below can fail
    assert local_server.api_key not in played.output
    for secret in secrets:
        assert secret not in played.output

    # Expressions: what B3OS stores equals the files byte for byte (JSON and YAML definition_file,
    # !unsafe and lookup('file') | from_json go through the same assertions inside the playbook).
    by_name = {w["name"]: w for w in workflows}
    expected = json.loads((TARGET / "files" / "v1.json").read_text())
    stored = next(w for name, w in by_name.items() if str(name).endswith("-expr-json"))
    message = stored["definition"]["nodes"]["log_message"]["payload"]["message"]
    assert message == expected["nodes"]["log_message"]["payload"]["message"]
    assert stored["definition"]["nodes"]["root"]["payload"] == expected["nodes"]["root"]["payload"]


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
