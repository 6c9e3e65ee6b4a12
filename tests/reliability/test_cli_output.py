"""What the `b3os` CLI prints: one versioned JSON schema for plan and apply, no traceback when
the reader of its output goes away, an --api-key that never echoes, every bad file reported,
and plans of new or huge workflows that stay short and say what they mean."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from b3os.cli.jsonout import PLAN_SCHEMA, SCHEMA_ID
from b3os.client import Client
from b3os.local import LocalServer
from b3os.workflow import WorkflowSpec, ensure
from tests.reliability import figures
from tests.reliability.helpers import (
    B3OS_BIN,
    DEFINITION,
    cli_env,
    run_cli,
    write_spec,
    writes,
)

# -- item 12: one JSON schema for plan --json and apply --json ------------------------------------


def test_plan_json_and_apply_json_share_one_versioned_schema(local: LocalServer, tmp_path: Path) -> None:
    write_spec(tmp_path, "nu cli team 01")
    write_spec(tmp_path, "nu cli team 02", state="paused")
    docs: dict[str, dict[str, Any]] = {}
    for command in ("plan", "apply"):
        result = run_cli([command, "--json", str(tmp_path)], url=local.url, key=local.api_key)
        assert result.code in (0, 2), result.text
        docs[command] = json.loads(result.out)
        jsonschema.validate(docs[command], PLAN_SCHEMA)
    plan_doc, apply_doc = docs["plan"], docs["apply"]
    assert plan_doc["schema"] == apply_doc["schema"] == SCHEMA_ID
    assert [w["name"] for w in plan_doc["workflows"]] == ["nu cli team 01", "nu cli team 02"]
    assert [w["name"] for w in apply_doc["workflows"]] == ["nu cli team 01", "nu cli team 02"]
    for w in plan_doc["workflows"]:
        assert w["workflow"] is None and w["applied"] is False and w["id"] is None
    for w in apply_doc["workflows"]:
        assert isinstance(w["workflow"], dict) and w["applied"] is True and w["outputs"] == w["workflow"]
        assert w["id"] == w["workflow"]["id"] and w["id"].startswith("wf_")
    assert plan_doc["summary"] == {"resources": 2, "changed": 2, "writes": 5, "failed": 0}
    assert plan_doc["resources"] == plan_doc["workflows"]
    assert apply_doc["summary"] == plan_doc["summary"]
    # and a converged plan: same schema, no changes, ids known
    again = run_cli(["plan", "--json", str(tmp_path)], url=local.url, key=local.api_key)
    doc = json.loads(again.out)
    jsonschema.validate(doc, PLAN_SCHEMA)
    assert doc["changed"] is False and all(w["id"] for w in doc["workflows"])
    assert "'" not in json.dumps([w["name"] for w in doc["workflows"]]), "no Python repr quotes"


# -- item 13: a reader that goes away is not an error worth a traceback ----------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--json", "pipe target", "--follow", "--payload", '{"message": "hi"}'],
        ["run", "pipe target", "--follow", "--payload", '{"message": "hi"}'],
        ["plan", "{dir}"],
        ["plan", "--json", "{dir}"],
    ],
    ids=["run --json --follow", "run --follow", "plan", "plan --json"],
)
def test_output_piped_into_a_reader_that_exits_prints_no_traceback(
    args: list[str], local: LocalServer, api: Client, tmp_path: Path
) -> None:
    ensure(api, WorkflowSpec.build(name="pipe target", definition=DEFINITION))
    # A new workflow: "pipe target" has no owner, so a plan of it would be a conflict.
    write_spec(tmp_path, "pipe plan")
    argv = [a.replace("{dir}", str(tmp_path)) for a in args]
    proc = subprocess.Popen(
        [B3OS_BIN, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(local.url, local.api_key),
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # `| head -c 0`: the reader is gone before the first byte
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err and "Exception ignored" not in err, err
    assert code == 141, (code, err)


def test_head_c_10_of_run_json_follow_is_quiet(local: LocalServer, api: Client) -> None:
    ensure(api, WorkflowSpec.build(name="pipe target", definition=DEFINITION))
    env = {**cli_env(local.url, local.api_key), "B3OS": B3OS_BIN}
    proc = subprocess.run(
        [
            "bash",
            "-c",
            '"$B3OS" run --json "pipe target" --follow --payload \'{"message": "hi"}\' | head -c 10',
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0
    assert len(proc.stdout) == 10 and proc.stdout.startswith("{")
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr


# -- item 14: --api-key, read from a prompt, stdin or a variable, never echoed ---------------------


def test_missing_key_hint_names_what_the_cli_accepts(local: LocalServer, tmp_path: Path) -> None:
    write_spec(tmp_path, "keyless")
    result = run_cli(["plan", str(tmp_path)], url=local.url, key=None)
    assert result.code == 1
    assert "api_key=" not in result.err, "a Python argument means nothing to a CLI user"
    assert "B3OS_API_KEY" in result.err and "--api-key prompt" in result.err
    help_text = subprocess.run([B3OS_BIN, "plan", "--help"], capture_output=True, text=True).stdout
    assert "--api-key" in " ".join(help_text.split()) and "shell history" in " ".join(help_text.split())


@pytest.mark.parametrize("where", ["before the command", "after the command"])
def test_api_key_from_stdin_and_env_var_works_and_is_never_printed(
    where: str, local: LocalServer, tmp_path: Path
) -> None:
    write_spec(tmp_path, "keyed")
    env = cli_env(local.url, None)
    for source, stdin, extra_env in (
        ("-", local.api_key + "\n", {}),
        ("env:CI_KEY", "", {"CI_KEY": local.api_key}),
    ):
        opt = ["--api-key", source]
        argv = (
            [*opt, "plan", str(tmp_path)] if where == "before the command" else ["plan", str(tmp_path), *opt]
        )
        proc = subprocess.run(
            [B3OS_BIN, *argv],
            input=stdin,
            capture_output=True,
            text=True,
            env={**env, **extra_env},
            timeout=60,
        )
        assert proc.returncode == 2, proc.stdout + proc.stderr  # 2: changes to apply
        assert "workflow 'keyed': create" in proc.stdout, proc.stdout + proc.stderr  # not a usage error
        assert local.api_key not in proc.stdout + proc.stderr
        figures.add("secret_scans")


def test_api_key_prompt_reads_the_key_without_echo(local: LocalServer, tmp_path: Path) -> None:
    """On a real terminal (a pty): the typed key never appears on the screen."""
    write_spec(tmp_path, "prompted")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [B3OS_BIN, "--api-key", "prompt", "plan", str(tmp_path)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=cli_env(local.url, None),
        start_new_session=True,
    )
    os.close(slave)
    screen = b""
    typed = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break  # the child closed the terminal
            if not chunk:
                break
            screen += chunk
        if not typed and b"API key:" in screen:
            os.write(master, local.api_key.encode() + b"\n")
            typed = True
        if proc.poll() is not None and not ready:
            break
    os.close(master)
    code = proc.wait(timeout=10)
    text = screen.decode(errors="replace")
    assert typed, text
    assert code == 2, text
    assert local.api_key not in text, "the key was echoed"
    assert "prompted" in text
    figures.add("secret_scans")


def test_api_key_prompt_without_a_terminal_says_what_to_use(local: LocalServer, tmp_path: Path) -> None:
    write_spec(tmp_path, "no tty")
    proc = subprocess.run(
        [B3OS_BIN, "--api-key", "prompt", "plan", str(tmp_path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=cli_env(local.url, None),
        timeout=60,
    )
    assert proc.returncode == 1 and "needs a terminal" in proc.stderr and "--api-key -" in proc.stderr


# -- item 15: every bad file of a folder, not only the first ---------------------------------------


def test_plan_of_a_folder_reports_every_bad_file_not_only_the_first(
    local: LocalServer, tmp_path: Path
) -> None:
    write_spec(tmp_path, "good one")
    (tmp_path / "bad-1.yaml").write_text("name: [oops\n", encoding="utf-8")
    (tmp_path / "bad-2.json").write_text(json.dumps({"name": "b2", "stat": "draft"}), encoding="utf-8")
    cycle = {"nodes": {"root": {"type": "manual", "payload": {}, "children": ["root"]}}}
    (tmp_path / "bad-3.json").write_text(json.dumps({"name": "b3", "definition": cycle}), encoding="utf-8")
    local.clear_requests()
    for command in (["plan"], ["apply"], ["validate", "--offline"]):
        result = run_cli([*command, str(tmp_path)], url=local.url, key=local.api_key)
        assert result.code == 1, result.text
        err = result.err
        assert "3 files have errors" in err
        for name, problem in (
            ("bad-1.yaml", "invalid YAML"),
            ("bad-2.json", "unknown key(s) stat"),
            ("bad-3.json", "references the node itself"),
        ):
            line = next((ln for ln in err.splitlines() if name in ln), "")
            assert problem in line, (name, err)
        assert "Traceback" not in result.text
    assert writes(local) == 0
    figures.add("bad_inputs", 3)


# -- item 16: plans of new and huge workflows ------------------------------------------------------


def _chain(count: int) -> dict[str, Any]:
    nodes: dict[str, Any] = {"root": {"type": "manual", "payload": {}, "children": ["n1"]}}
    for i in range(1, count):
        nodes[f"n{i}"] = {
            "type": "log",
            "payload": {"message": f"step {i}"},
            "children": [f"n{i + 1}"] if i + 1 < count else [],
        }
    return {"nodes": nodes}


def test_plan_of_a_new_workflow_shows_no_none_and_a_5000_node_plan_is_short(
    local: LocalServer, api: Client, tmp_path: Path
) -> None:
    (tmp_path / "big.json").write_text(
        json.dumps(
            {
                "name": "big one",
                "description": "five thousand",
                "cooldown_ms": 5000,
                "definition": _chain(5000),
            }
        ),
        encoding="utf-8",
    )
    result = run_cli(["plan", str(tmp_path)], url=local.url, key=local.api_key)
    assert result.code == 2, result.err
    assert "None" not in result.out, result.out[:2000]
    assert "+ description: 'five thousand'" in result.out
    assert "+ definition: +5000 nodes (" in result.out and "4,990 more" in result.out
    assert "+ name: 'big one'" in result.out
    assert len(result.out.encode()) < 2_000, f"{len(result.out.encode())} bytes of plan"
    # an update of the same workflow: the node summary is capped, so is the JSON diff
    assert run_cli(["apply", str(tmp_path)], url=local.url, key=local.api_key).code == 0
    changed = _chain(5000)
    for node in changed["nodes"].values():
        node["payload"]["message"] = "changed " + str(node["payload"].get("message"))
    (tmp_path / "big.json").write_text(
        json.dumps({"name": "big one", "definition": changed}), encoding="utf-8"
    )
    started = time.monotonic()
    update = run_cli(["plan", str(tmp_path)], url=local.url, key=local.api_key)
    took = time.monotonic() - started
    assert took < 30, f"the plan of a 5,000-node update took {took:.0f} s (difflib over the whole definition)"
    assert update.code == 2, update.err
    assert "more diff lines" in update.out and "more)" in update.out
    assert len(update.out.encode()) < 30_000, f"{len(update.out.encode())} bytes of plan"
