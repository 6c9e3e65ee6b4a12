"""`b3os export`: every status round-trips to "no changes"; expressions byte for byte; no secret."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from b3os.client import Client
from b3os.local import LocalServer
from b3os.workflow.owner import owner_of
from tests.reliability.helpers import run_cli, writes
from tests.support import QUICKSTART_DEFINITION

TRICKY = [
    "Incoming: {{$trigger.body.message}}",
    "{{ $trigger.body.a }}  trailing  ",
    "quotes ' \" and: colons # not a comment",
    "ünïcödé ✓ {{$trigger.body['key with space']}}",
    "multi\nline\n  indented {{ $trigger.body.x }}",
    "yes",
    "0123",
    "",
]


def _definition(i: int) -> dict[str, Any]:
    d = copy.deepcopy(QUICKSTART_DEFINITION)
    d["nodes"]["log_message"]["payload"]["message"] = f"{TRICKY[i % len(TRICKY)]} #{i}"
    return d


def make_fleet(api: Client, count: int) -> dict[str, str]:
    """``count`` workflows over every status: draft, active, paused, archived, draft over live
    (active and paused), with optional fields; returns id → the message of its latest row."""
    messages: dict[str, str] = {}
    for i in range(count):
        kind = i % 6
        extra: dict[str, Any] = {"cooldown_ms": 5000} if i % 4 == 0 else {}
        if i % 5 == 0:
            extra["max_runs"] = 10 + i
        row = api.create_workflow(f"fleet {i:03d}", f"desc {{{{ {i} }}}}", _definition(i), **extra)
        if kind in (1, 2, 4, 5):
            api.publish(row.id)
        if kind in (2, 5):
            api.pause(row.id)
        if kind in (4, 5):
            api.update_workflow(row.id, definition=_definition(i + 1))  # a draft over the live version
        if kind == 3:
            api.archive_workflow(row.id)
        if i % 7 == 0 and kind != 3:
            api.set_visibility(row.id, "org")
        messages[row.id] = _definition(i + 1 if kind in (4, 5) else i)["nodes"]["log_message"]["payload"][
            "message"
        ]
    return messages


def test_export_then_plan_shows_no_changes_for_every_status(
    local: LocalServer, api: Client, tmp_path: Path
) -> None:
    messages = make_fleet(api, 200)
    secrets = {api.get_workflow(i).trigger_secret for i in messages}
    out = tmp_path / "exported"
    result = run_cli(["export", str(out)], url=local.url, key=local.api_key)
    assert result.code == 0, result.text
    files = sorted(out.glob("*.yaml"))
    assert len(files) == 200
    text = "".join(p.read_text() for p in out.iterdir())
    assert not any(s and s in text for s in secrets), "a trigger secret was written"
    for path in files:
        doc = yaml.safe_load(path.read_text())
        message = doc["definition"]["nodes"]["log_message"]["payload"]["message"]
        assert message == messages[doc["id"]]  # expressions byte for byte
    owner = yaml.safe_load((out / "b3os.lock.json").read_text())["owner"]
    live = [w for w in api.iter_workflows()]
    assert {owner_of(api.get_workflow(w.id).model_dump(by_alias=True)) for w in live} == {owner}

    since = len(local.requests())
    planned = run_cli(["plan", str(out)], url=local.url, key=local.api_key)
    assert planned.code == 0, planned.out[-3000:] + planned.err
    assert "No changes: 200 workflow(s)" in planned.out
    assert writes(local, since) == 0


def test_export_filters_by_name_status_and_query(local: LocalServer, api: Client, tmp_path: Path) -> None:
    make_fleet(api, 12)
    assert (
        run_cli(["export", "--status", "paused", str(tmp_path / "p")], url=local.url, key=local.api_key).code
        == 0
    )
    assert len(list((tmp_path / "p").glob("*.yaml"))) == 4  # paused, and paused with a draft on top
    assert (
        run_cli(["export", "--name", "fleet 003", str(tmp_path / "n")], url=local.url, key=local.api_key).code
        == 0
    )
    (only,) = (tmp_path / "n").glob("*.yaml")
    assert yaml.safe_load(only.read_text())["state"] == "archived"
    assert (
        run_cli(["export", "--query", "fleet 01", str(tmp_path / "q")], url=local.url, key=local.api_key).code
        == 0
    )
    assert len(list((tmp_path / "q").glob("*.yaml"))) == 2
    refused = run_cli(["export", str(tmp_path / "q")], url=local.url, key=local.api_key)
    assert refused.code == 1 and "not empty" in refused.err


def test_export_is_the_same_whatever_the_parallelism(local: LocalServer, api: Client, tmp_path: Path) -> None:
    make_fleet(api, 30)
    for n in ("1", "8"):
        result = run_cli(["export", "--parallelism", n, str(tmp_path / n)], url=local.url, key=local.api_key)
        assert result.code == 0, result.text
    one, eight = sorted((tmp_path / "1").glob("*.yaml")), sorted((tmp_path / "8").glob("*.yaml"))
    assert [p.name for p in one] == [p.name for p in eight] and len(one) == 30
    assert all(
        a.read_text() == b.read_text() for a, b in zip(one, eight, strict=True)
    )  # order by name, not by finish
