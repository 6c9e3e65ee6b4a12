"""Version pin (`live_version: N`) and `b3os rollback NAME --to N`: the live content goes back to
version N's, the newer versions stay listed, a re-run makes zero writes."""

from __future__ import annotations

import json
from pathlib import Path

from b3os.client import Client
from b3os.local import LocalServer
from b3os.workflow import WorkflowSpec, read
from tests.reliability.helpers import definition, run_cli, writes


def _live_message(api: Client, name: str) -> str:
    state = read(api, WorkflowSpec.build(name=name))
    assert state is not None and state.live is not None and state.live.definition is not None
    return str(state.live.definition["nodes"]["log_message"]["payload"]["message"])


def _apply(local: LocalServer, directory: Path) -> int:
    return run_cli(["apply", str(directory)], url=local.url, key=local.api_key).code


def _two_versions(local: LocalServer, tmp_path: Path) -> Path:
    path = tmp_path / "pinned.json"
    path.write_text(json.dumps({"name": "pinned", "definition": definition("v1: {{$trigger.body.message}}")}))
    assert _apply(local, tmp_path) == 0
    path.write_text(json.dumps({"name": "pinned", "definition": definition("v2: {{$trigger.body.message}}")}))
    assert _apply(local, tmp_path) == 0
    return path


def test_versions_lists_and_rollback_goes_back_keeping_newer_versions(
    local: LocalServer, api: Client, tmp_path: Path
) -> None:
    _two_versions(local, tmp_path)
    listed = run_cli(["versions", "pinned", "--json"], url=local.url, key=local.api_key)
    assert listed.code == 0, listed.text
    versions = json.loads(listed.out)["versions"]
    assert [v["version"] for v in versions] == [2, 1] and versions[-1]["change"] == "first version"
    assert "log_message" in versions[0]["change"]

    rolled = run_cli(["rollback", "pinned", "--to", "1"], url=local.url, key=local.api_key)
    assert rolled.code == 0 and "rollback, publish" in rolled.out, rolled.text
    assert _live_message(api, "pinned").startswith("v1:")
    after = json.loads(run_cli(["versions", "pinned", "--json"], url=local.url, key=local.api_key).out)[
        "versions"
    ]
    assert [v["version"] for v in after] == [3, 2, 1]  # nothing newer was lost
    since = len(local.requests())
    again = run_cli(["rollback", "pinned", "--to", "1"], url=local.url, key=local.api_key)
    assert again.code == 0 and "No changes" in again.out
    assert writes(local, since) == 0


def test_live_version_in_a_file_pins_and_a_rerun_is_zero_writes(
    local: LocalServer, api: Client, tmp_path: Path
) -> None:
    path = _two_versions(local, tmp_path)
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "live_version": 1}))
    planned = run_cli(["plan", str(tmp_path)], url=local.url, key=local.api_key)
    assert planned.code == 2 and "rollback, publish" in planned.out, planned.text
    assert _apply(local, tmp_path) == 0
    assert _live_message(api, "pinned").startswith("v1:")
    since = len(local.requests())
    assert run_cli(["plan", str(tmp_path)], url=local.url, key=local.api_key).code == 0
    assert _apply(local, tmp_path) == 0
    assert writes(local, since) == 0
    # Un-pinning a file that does not manage the definition leaves the live version as it is.
    path.write_text(json.dumps({"name": "pinned"}))
    assert run_cli(["plan", str(tmp_path)], url=local.url, key=local.api_key).code == 0
    assert _live_message(api, "pinned").startswith("v1:")


def test_a_pin_to_a_missing_version_is_a_clear_error(local: LocalServer, tmp_path: Path) -> None:
    path = _two_versions(local, tmp_path)
    path.write_text(json.dumps({**json.loads(path.read_text()), "live_version": 9}))
    result = run_cli(["plan", str(tmp_path)], url=local.url, key=local.api_key)
    assert result.code == 1 and "has no version 9" in result.err and "Traceback" not in result.text
