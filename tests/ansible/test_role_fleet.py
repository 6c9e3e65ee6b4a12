"""A role with five workflow files in files/ (JSON and YAML, with B3OS expressions), applied by the
bulk module from a playbook in another directory: --check --diff predicts, apply makes, re-apply
changes nothing with zero writes, and every expression reaches B3OS byte for byte."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from b3os.client import Client
from b3os.local import LocalServer

from .conftest import run_playbook, writes

HERE = Path(__file__).parent
ROLE = HERE / "roles" / "b3os_fleet"
FILES = ROLE / "files" / "workflows"


def _expected() -> dict[str, tuple[str, dict[str, Any]]]:
    """name -> (expected status, definition) straight from the role's files."""
    status = {"draft": "draft", "paused": "paused", "published": "active", "present": "active"}
    out = {}
    for path in sorted(FILES.glob("*.*")):
        doc = json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(path.read_text())
        if "definition_file" in doc:
            doc["definition"] = json.loads((path.parent / doc["definition_file"]).read_text())
        out[doc["name"]] = (status[doc.get("state", "published")], doc["definition"])
    return out


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.ansible
def test_role_files_check_apply_reapply_and_expressions_byte_for_byte(
    installed_collections: Path, local_server: LocalServer, tmp_path: Path
) -> None:
    roles = tmp_path / "elsewhere" / "roles"
    shutil.copytree(ROLE, roles / "b3os_fleet")
    play = tmp_path / "play"
    shutil.copytree(HERE / "playbooks" / "fleet", play)
    out = tmp_path / "result.json"
    env = {"ANSIBLE_ROLES_PATH": str(roles)}
    expected = _expected()
    assert len(expected) == 5

    def play_it(*args: str) -> dict[str, Any]:
        played = run_playbook(
            play / "site.yml",
            "-e",
            f"result_file={out}",
            *args,
            collections=installed_collections,
            server=local_server,
            env=env,
        )
        assert played.returncode == 0, played.output[-4000:]
        result: dict[str, Any] = json.loads(out.read_text())
        return result

    checked = play_it("--check", "--diff")
    assert writes(local_server) == []
    assert checked["changed"] is True
    assert [r["workflow_name"] for r in checked["results"]] == list(expected)
    assert all(r["changed"] and r["actions"][0] == "create" for r in checked["results"])
    assert [r["source"] for r in checked["results"]][0] == "workflows/01-logger.json"

    local_server.clear_requests()
    applied = play_it("--diff")
    assert applied["changed"] is True
    assert writes(local_server)
    assert [r["actions"] for r in applied["results"]] == [r["actions"] for r in checked["results"]]

    local_server.clear_requests()
    again = play_it("--check")
    assert again["changed"] is False and writes(local_server) == []
    local_server.clear_requests()
    again = play_it()
    assert again["changed"] is False
    assert all(not r["changed"] and r["actions"] == [] for r in again["results"])
    assert writes(local_server) == []

    with Client(base_url=local_server.url, api_key=local_server.api_key) as client:
        for item in applied["results"]:
            status, definition = expected[item["workflow_name"]]
            row = client.get_workflow(item["id"])
            assert row.status == status, item["workflow_name"]
            stored = client.get_draft(item["id"]) if status == "draft" else client.get_live(item["id"])
            stored_definition = stored.model_dump(mode="json", by_alias=True)["definition"]
            # Every string (each expression) exactly as written in the file.
            assert sorted(_strings(stored_definition["nodes"])) == sorted(_strings(definition["nodes"]))
            assert any("{{" in s for s in _strings(stored_definition["nodes"]))


@pytest.mark.ansible
def test_delegate_to_a_host_with_the_package_gets_the_controller_file_as_data(
    installed_collections: Path, local_server: LocalServer, tmp_path: Path
) -> None:
    play = tmp_path / "play"
    shutil.copytree(HERE / "playbooks" / "delegate", play)
    runner_dir = tmp_path / "runner-cwd"  # the delegated host's side has no files/ at all
    runner_dir.mkdir()
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        yaml.safe_dump(
            {
                "all": {
                    "hosts": {
                        "target": {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": "/nonexistent/python",
                        },
                        "b3os-runner": {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": sys.executable,
                            "ansible_remote_tmp": str(runner_dir),
                        },
                    }
                }
            }
        )
    )
    played = run_playbook(
        play / "site.yml", "-i", str(inventory), collections=installed_collections, server=local_server
    )
    assert played.returncode == 0, played.output[-4000:]
    with Client(base_url=local_server.url, api_key=local_server.api_key) as client:
        (row,) = [w for w in client.iter_workflows() if w.name == "delegated logger"]
        live = client.get_live(row.id).model_dump(mode="json", by_alias=True)["definition"]
    expected = json.loads((HERE / "playbooks" / "delegate" / "files" / "logger.json").read_text())
    assert _strings(live["nodes"]) == _strings(expected["nodes"])
