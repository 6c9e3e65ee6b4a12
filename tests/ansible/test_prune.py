"""``prune: true`` in the bulk module ``b3os.b3os.workflows``, through real ansible-playbook against
b3os-local: the task archives exactly the live workflows its owner owns and no longer declares
(check mode predicts it, diff mode shows it, a re-run writes nothing); workflows of another owner
and unowned ones are never touched; prune under the shared default owner ``ansible`` is refused
before any request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from b3os.client import Client
from b3os.local import LocalServer
from b3os.workflow import WorkflowSpec, ensure
from b3os.workflow.state import read_by_id

from .conftest import run_playbook, writes

PLAY = Path(__file__).parent / "playbooks" / "prune" / "site.yml"
DEFINITION = {
    "nodes": {
        "root": {"type": "manual", "payload": {}, "children": ["log"]},
        "log": {"type": "log", "payload": {"message": "prune test"}},
    }
}


def _declared(*names: str) -> list[dict[str, Any]]:
    return [{"name": name, "definition": DEFINITION} for name in names]


def _play(
    installed: Path, server: LocalServer, tmp_path: Path, variables: dict[str, Any], *args: str
) -> tuple[int, str, dict[str, Any]]:
    out = tmp_path / "result.json"
    out.unlink(missing_ok=True)
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps(dict(variables, result_file=str(out))))
    played = run_playbook(PLAY, "-e", f"@{extra}", *args, collections=installed, server=server)
    result: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
    return played.returncode, played.output, result


@pytest.mark.ansible
def test_prune_archives_only_what_this_owner_no_longer_declares(
    installed_collections: Path, local_server: LocalServer, tmp_path: Path
) -> None:
    def play(names: tuple[str, ...], *args: str) -> tuple[dict[str, Any], str]:
        code, output, result = _play(
            installed_collections,
            local_server,
            tmp_path,
            {"b3os_owner": "team-a", "b3os_workflows": _declared(*names)},
            *args,
        )
        assert code == 0, output[-4000:]
        return result, output

    first, _ = play(("a-one", "a-two", "a-three"))
    assert first["changed"] is True and first["pruned"] == []
    ids = {r["workflow_name"]: r["id"] for r in first["results"]}
    with Client(base_url=local_server.url, api_key=local_server.api_key) as client:
        other = ensure(
            client, WorkflowSpec.build(name="b-one", definition=DEFINITION, owner="team-b")
        ).workflow["id"]
        unowned = ensure(client, WorkflowSpec.build(name="nobody", definition=DEFINITION)).workflow["id"]

        local_server.clear_requests()
        checked, output = play(("a-one", "a-three"), "--check", "--diff")
        assert writes(local_server) == []
        assert checked["changed"] is True
        assert [r["changed"] for r in checked["results"]] == [False, False]
        assert checked["pruned"] == [
            {
                "id": ids["a-two"],
                "name": "a-two",
                "source": f"prune a-two ({ids['a-two']})",
                "changed": True,
                "actions": ["archive"],
                "changes": checked["pruned"][0]["changes"],
            }
        ]
        assert f"prune a-two ({ids['a-two']})" in output  # the diff names the archive

        local_server.clear_requests()
        applied, _ = play(("a-one", "a-three"))
        assert applied["pruned"] == checked["pruned"]
        assert writes(local_server) == [f"DELETE /v1/workflows/{ids['a-two']}"]

        local_server.clear_requests()
        again, _ = play(("a-one", "a-three"))
        assert again["changed"] is False and again["pruned"] == []
        assert writes(local_server) == []

        status = {
            wf: state.status for wf in [*ids.values(), other, unowned] if (state := read_by_id(client, wf))
        }
        assert status[ids["a-two"]] == "archived"
        assert status[ids["a-one"]] == status[ids["a-three"]] == "active"
        assert status[other] == status[unowned] == "active"
        marked = {wf: state.owner for wf in (other, unowned) if (state := read_by_id(client, wf))}
        assert marked == {other: "team-b", unowned: None}


@pytest.mark.ansible
def test_prune_with_the_default_owner_is_refused_before_any_request(
    installed_collections: Path, local_server: LocalServer, tmp_path: Path
) -> None:
    code, output, result = _play(
        installed_collections,
        local_server,
        tmp_path,
        {"b3os_workflows": _declared("one"), "b3os_may_fail": True},
    )
    assert code == 0, output[-4000:]  # ignore_errors: the result is kept for the test
    assert result["failed"] is True
    assert "prune is refused with the shared owner 'ansible'" in result["msg"]
    assert "owner: team-payments" in result["msg"]
    assert local_server.requests() == []
