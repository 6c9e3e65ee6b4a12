"""`b3os export --format ansible`: the vars file + playbook reach no change on their first run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from b3os.client import Client
from b3os.local import LocalServer
from b3os.resource.export import describe, export, select
from tests.ansible.conftest import run_playbook
from tests.reliability.test_export import make_fleet
from tests.support import Calls


@pytest.mark.ansible
# 200 workflows: ~5 min per ansible-playbook run on a loaded 2-core machine (one module run each).
@pytest.mark.parametrize(
    "count", [12, pytest.param(200, marks=[pytest.mark.slow, pytest.mark.timeout(1800)])]
)
def test_exported_playbook_first_check_run_reports_changed_0(
    installed_collections: Path, local_server: LocalServer, tmp_path: Path, count: int
) -> None:
    with Client(base_url=local_server.url, api_key=local_server.api_key) as client:
        make_fleet(client, count)
        export(client, tmp_path / "play", describe(select(client)), "ansible")
    playbook = tmp_path / "play" / "playbook.yml"
    local_server.clear_requests()
    checked = run_playbook(
        playbook, "--check", collections=installed_collections, server=local_server, timeout=1500
    )
    assert checked.returncode == 0, checked.output[-4000:]
    assert re.search(r"localhost\s*:\s*ok=\d+\s+changed=0\s+unreachable=0\s+failed=0", checked.output), (
        checked.output[-3000:]
    )
    played = run_playbook(playbook, collections=installed_collections, server=local_server, timeout=1500)
    assert re.search(r"changed=0\s+unreachable=0\s+failed=0", played.output), played.output[-3000:]
    assert Calls.of(local_server.requests()).writes == 0


@pytest.mark.ansible
def test_live_version_option_pins_and_a_rerun_is_changed_0(
    installed_collections: Path, local_server: LocalServer, tmp_path: Path
) -> None:
    from tests.support import with_message

    with Client(base_url=local_server.url, api_key=local_server.api_key) as client:
        row = client.create_workflow("pinned", "", with_message("v1 {{$trigger.body.message}}"))
        client.publish(row.id)
        client.update_workflow(row.id, definition=with_message("v2 {{$trigger.body.message}}"))
        client.publish(row.id)
    playbook = tmp_path / "pin.yml"
    playbook.write_text(
        """\
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - b3os.b3os.workflow:
        name: pinned
        state: published
        live_version: 1
"""
    )
    first = run_playbook(playbook, collections=installed_collections, server=local_server)
    assert re.search(r"changed=1\s+unreachable=0\s+failed=0", first.output), first.output[-3000:]
    with Client(base_url=local_server.url, api_key=local_server.api_key) as client:
        live = client.get_live(row.id).model_dump(by_alias=True)
        assert live["definition"]["nodes"]["log_message"]["payload"]["message"].startswith("v1")
        assert [v.version for v in client.list_versions(row.id).items] == [3, 2, 1]
    local_server.clear_requests()
    again = run_playbook(playbook, collections=installed_collections, server=local_server)
    assert re.search(r"changed=0\s+unreachable=0\s+failed=0", again.output), again.output[-3000:]
    assert Calls.of(local_server.requests()).writes == 0
