"""Saved plans: `b3os plan DIR --out plan.json`, then `b3os apply plan.json` applies exactly that
plan, or refuses (writing nothing) naming what changed since."""

from __future__ import annotations

import json
from pathlib import Path

from b3os.client import Client
from b3os.local import LocalServer
from tests.reliability.helpers import definition, run_cli, write_specs, writes


def test_a_saved_plan_applies_exactly_and_refuses_after_a_concurrent_edit(
    local: LocalServer, api: Client, tmp_path: Path
) -> None:
    directory = tmp_path / "wfs"
    write_specs(directory, 3, prefix="sp")
    saved = tmp_path / "plan.json"
    planned = run_cli(["plan", str(directory), "--out", str(saved)], url=local.url, key=local.api_key)
    assert planned.code == 2 and saved.is_file(), planned.text
    assert "b3sk_" not in saved.read_text() and local.api_key not in saved.read_text()
    applied = run_cli(["apply", str(saved)], url=local.url, key=local.api_key)
    assert applied.code == 0 and "3 of 3 workflow(s) changed" in applied.out, applied.text

    # A new plan, then someone edits one workflow in the app before it is applied.
    path = directory / "sp-001.json"
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "definition": definition("new: {{$trigger.body.message}}")}))
    assert run_cli(["plan", str(directory), "--out", str(saved)], url=local.url, key=local.api_key).code == 2
    target = next(w for w in api.iter_workflows() if w.name == "sp-002")
    api.update_workflow(target.id, definition=definition("edited in the app"))
    since = len(local.requests())
    refused = run_cli(["apply", str(saved)], url=local.url, key=local.api_key)
    assert refused.code == 1 and "stale" in refused.err and "sp-002" in refused.err, refused.text
    assert writes(local, since) == 0
    # A file edited after the plan: refused too.
    assert run_cli(["plan", str(directory), "--out", str(saved)], url=local.url, key=local.api_key).code == 2
    path.write_text(json.dumps({**doc, "definition": definition("newer: {{$trigger.body.message}}")}))
    again = run_cli(["apply", str(saved)], url=local.url, key=local.api_key)
    assert again.code == 1 and "sp-001.json: the file changed" in again.err
    assert writes(local, since) == 0
