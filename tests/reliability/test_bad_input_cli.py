"""Bad input through the `b3os` CLI: every case ends with exit code 1 (2 for usage errors), a
clear error that names what is wrong, no traceback, and nothing created or changed — checked in
b3os-local's request log (zero write requests) and by comparing every workflow before and after."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from b3os.client import Client
from b3os.local import LocalServer
from b3os.workflow import WorkflowSpec, ensure
from tests.reliability import figures
from tests.reliability.helpers import (
    DEFINITION,
    TruncatingProxy,
    definition,
    html_502_proxy,
    run_cli,
    writes,
)

EXISTING = "existing workflow"


def wf(**fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": "bad input", "state": "published", "definition": copy.deepcopy(DEFINITION)}
    doc.update(fields)
    return {k: v for k, v in doc.items() if v is not None}


def nodes(**changes: Any) -> dict[str, Any]:
    """DEFINITION with some nodes replaced (None removes a node)."""
    doc = definition()
    for node_id, node in changes.items():
        if node is None:
            doc["nodes"].pop(node_id)
        else:
            doc["nodes"][node_id] = node
    return doc


def with_children(*children: str) -> dict[str, Any]:
    doc = definition()
    doc["nodes"]["log_message"]["children"] = list(children)
    return doc


HUGE = definition("x" * (5 * 1024 * 1024))


@dataclass
class Case:
    id: str
    expect: list[str]  # substrings of the error output, in order of importance
    doc: dict[str, Any] | None = None  # one workflow file (JSON)
    raw: tuple[str, str] | None = None  # (file name, text)
    extra: dict[str, Any] = field(default_factory=dict)  # more files: name -> document
    command: list[str] | None = None  # default: apply <dir>
    key: str | None = "<server>"
    url: str | None = "<server>"
    code: int = 1


CASES = [
    Case("malformed JSON", ["invalid JSON", "line 1, column"], raw=("w.json", '{"name": "x", ')),
    Case("malformed YAML", ["invalid YAML", "line 2"], raw=("w.yaml", "name: [x\n  state: published\n")),
    Case("YAML list instead of mapping", ["expected a mapping"], raw=("w.yaml", "- a\n- b\n")),
    Case("empty file", ["expected a mapping"], raw=("w.yaml", "")),
    Case("unknown key (typo)", ["unknown key(s) stat", "known keys"], doc=wf(stat="draft")),
    Case("name of the wrong type", ["name must be a non-empty string"], doc=wf(name=["a", "b"])),
    Case("empty name", ["name must be a non-empty string"], doc=wf(name="")),
    Case("blank name", ["name must be a non-empty string"], doc=wf(name="   ")),
    Case("300-character name", ["name is 300 characters long", "at most 255"], doc=wf(name="n" * 300)),
    Case("description of the wrong type", ["description must be a string"], doc=wf(description=42)),
    Case(
        "description too long",
        ["description is 2001 characters", "at most 2000"],
        doc=wf(description="d" * 2001),
    ),
    Case(
        "unknown state",
        ["state 'running' is not valid", "draft, published, paused, archived"],
        doc=wf(state="running"),
    ),
    Case("state of the wrong type", ["state must be a string"], doc=wf(state=3)),
    Case("cooldown of the wrong type", ["cooldown_ms must be an integer"], doc=wf(cooldown_ms="soon")),
    Case("cooldown too small", ["cooldown_ms must be an integer >= 1000"], doc=wf(cooldown_ms=10)),
    Case("max_runs zero", ["max_runs must be an integer from 1"], doc=wf(max_runs=0)),
    Case("max_runs boolean", ["max_runs must be an integer"], doc=wf(max_runs=True)),
    Case("unknown visibility", ["visibility 'everyone' is not one of"], doc=wf(visibility="everyone")),
    Case("id that is not a workflow id", ["id '123' is not a workflow id", "wf_"], doc=wf(id="123")),
    Case(
        "id of a missing workflow",
        ["wf_doesnotexist does not exist"],
        doc=wf(id="wf_doesnotexist", name=None),
    ),
    Case(
        "definition that is not JSON",
        ["definition must be an object with 'nodes'"],
        doc=wf(definition="not json {"),
    ),
    Case("definition without nodes", ["'nodes' is required"], doc=wf(definition={"nodez": {}})),
    Case("definition with no nodes", ["nodes"], doc=wf(definition={"nodes": {}})),
    Case("cycle", ["closes a cycle", "log_message"], doc=wf(definition=with_children("root"))),
    Case(
        "dangling child",
        ["log_message", "references unknown node 'ghost'"],
        doc=wf(definition=with_children("ghost")),
    ),
    Case(
        "missing trigger",
        ["trigger", "manual"],
        doc=wf(
            definition=nodes(root={"type": "log", "payload": {"message": "x"}, "children": ["log_message"]})
        ),
    ),
    Case(
        "log node without message",
        ["log_message", "message"],
        doc=wf(definition=nodes(log_message={"type": "log", "payload": {}, "children": []})),
    ),
    Case(
        "payload of the wrong type",
        ["log_message", "payload"],
        doc=wf(definition=nodes(log_message={"type": "log", "payload": ["message"], "children": []})),
    ),
    Case(
        "if children without a branch",
        ["branch"],
        doc=wf(
            definition={
                "nodes": {
                    "root": {"type": "manual", "payload": {}, "children": ["check"]},
                    "check": {
                        "type": "if",
                        "payload": {"condition": {"$and": [{"{{$trigger.body.n}}": {"$gt": 1}}]}},
                        "children": ["yes"],
                    },
                    "yes": {"type": "log", "payload": {"message": "big"}, "children": []},
                }
            }
        ),
    ),
    Case("5 MB definition", ["definition is 5,", "at most 1,048,576"], doc=wf(definition=HUGE)),
    Case(
        "unicode node ids and dangling unicode child",
        ["日志", "node ids must match", "ghost_ü"],
        doc=wf(
            name="unicode ✓ 名前",
            definition={
                "nodes": {
                    "root": {"type": "manual", "payload": {}, "children": ["日志"]},
                    "日志": {"type": "log", "payload": {"message": "héllo 👋"}, "children": ["ghost_ü"]},
                }
            },
        ),
    ),
    Case(
        "missing definition_file",
        ["definition file", "nope.json", "not found"],
        raw=("w.yaml", "name: x\ndefinition_file: nope.json\n"),
    ),
    Case(
        "definition and definition_file",
        ["either definition or definition_file"],
        doc=wf(definition_file="other.json"),
    ),
    Case(
        "two files declaring one workflow",
        ["declares the same workflow", "bad input"],
        doc=wf(),
        extra={"zz-copy.json": wf()},
    ),
    Case(
        "one bad file among good ones (all or nothing)",
        ["zz-broken.json", "closes a cycle"],
        doc=wf(name="good one"),
        extra={
            "good-two.json": wf(name="good two"),
            "zz-broken.json": wf(name="broken", definition=with_children("root")),
        },
    ),
    Case(
        "plan of a cycle",
        ["closes a cycle"],
        doc=wf(definition=with_children("root")),
        command=["plan", "{dir}"],
    ),
    Case(
        "offline validate of a dangling child",
        ["ghost"],
        doc=wf(definition=with_children("ghost")),
        command=["validate", "--offline", "{dir}"],
    ),
    Case("no such path", ["no such file or directory"], command=["apply", "{dir}/missing.yaml"]),
    Case("empty directory", ["no workflow files"], command=["apply", "{dir}"]),
    Case("missing API key", ["no B3OS API key", "B3OS_API_KEY"], doc=wf(), key=None),
    Case("blank API key", ["no B3OS API key"], doc=wf(), key="   "),
    Case("wrong API key", ["401", "invalid API key"], doc=wf(), key="b3sk_not_a_real_key_0000"),
    Case(
        "http:// to a remote host",
        ["refusing plain http://", "api.b3os.org", "https://"],
        doc=wf(),
        url="http://api.b3os.org",
    ),
    Case(
        "URL that is not http(s)", ["invalid B3OS base URL", "https://"], doc=wf(), url="ftp://api.b3os.org"
    ),
    Case(
        "run: payload that is not JSON",
        ["--payload is not valid JSON"],
        command=["run", EXISTING, "--payload", "{oops"],
    ),
    Case(
        "run: payload that is not an object",
        ["--payload must be a JSON object"],
        command=["run", EXISTING, "--payload", "[1, 2]"],
    ),
    Case("run: unknown workflow", ["no workflow 'nobody'"], command=["run", "nobody"]),
    Case("runs get: unknown run", ["404", "run_nope not found"], command=["runs", "get", "run_nope"]),
    Case("usage: unknown command", ["invalid choice", "deploy"], command=["deploy", "x"], code=2),
    Case(
        "usage: run version not a number",
        ["--version", "invalid int"],
        command=["run", EXISTING, "--version", "latest"],
        code=2,
    ),
]


def snapshot(client: Client) -> list[tuple[Any, ...]]:
    rows = [*client.iter_workflows(), *client.iter_workflows(status="archived")]
    return sorted((w.id, w.name, w.status, w.version, w.updated_at) for w in rows)


def materialize(case: Case, directory: Path) -> None:
    directory.mkdir()
    if case.doc is not None:
        (directory / "workflow.json").write_text(json.dumps(case.doc, ensure_ascii=False), encoding="utf-8")
    if case.raw is not None:
        (directory / case.raw[0]).write_text(case.raw[1], encoding="utf-8")
    for name, doc in case.extra.items():
        (directory / name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cli_bad_input_is_refused_clearly_before_any_write(
    case: Case, local: LocalServer, api: Client, tmp_path: Path
) -> None:
    ensure(api, WorkflowSpec.build(name=EXISTING, definition=DEFINITION))
    before = snapshot(api)
    directory = tmp_path / "in"
    materialize(case, directory)
    args = [a.replace("{dir}", str(directory)) for a in (case.command or ["apply", "{dir}"])]
    local.clear_requests()

    result = run_cli(
        args,
        url=local.url if case.url == "<server>" else case.url,
        key=local.api_key if case.key == "<server>" else case.key,
    )

    assert result.code == case.code, result.text
    text = " ".join(result.err.split())
    for phrase in case.expect:
        assert phrase in text, f"{phrase!r} not in error output:\n{result.err}"
    assert "Traceback" not in result.text
    assert writes(local) == 0, local.requests()
    assert snapshot(api) == before, "nothing created or changed"
    figures.add("bad_inputs")


@pytest.mark.slow  # ~20 s: the client's bounded retries of a 502 run out first
def test_cli_behind_a_proxy_answering_html_502(local: LocalServer, api: Client, tmp_path: Path) -> None:
    """The proxy is down for good: retries run out (bounded), then one clear line, nothing written."""
    directory = tmp_path / "in"
    materialize(Case("html", [], doc=wf()), directory)
    with html_502_proxy() as proxy:
        result = run_cli(["plan", str(directory)], url=proxy.url, key=local.api_key)
    assert result.code == 1
    assert "502 Bad Gateway" in result.err and "HTML error page" in result.err and "proxy" in result.err
    assert "<html" not in result.text.lower() and "Traceback" not in result.text
    assert proxy.hits >= 2, "a 502 is retried before giving up"
    assert writes(local) == 0
    figures.add("bad_inputs")


def test_cli_follow_through_a_truncated_event_stream(local: LocalServer, api: Client) -> None:
    """The stream is cut mid-frame: the CLI says so, then reports the run's real end state."""
    ensure(api, WorkflowSpec.build(name=EXISTING, definition=DEFINITION))
    before = snapshot(api)
    with TruncatingProxy(local.url, keep=150) as proxy:
        result = run_cli(
            ["run", EXISTING, "--follow", "--payload", '{"message": "hi"}'], url=proxy.url, key=local.api_key
        )
    assert proxy.truncated == 1
    assert "event stream of run" in result.err and "ended before the run did" in result.err
    assert result.code == 0 and ": success" in result.out, result.text
    assert "Traceback" not in result.text
    assert snapshot(api) == before, "the workflow is untouched; only the run was started"
    figures.add("bad_inputs")


@pytest.mark.parametrize("name", ["名前 ✓ 🚀 héllo", "Ünïcödé ✓ ÉCOLE"])
def test_unicode_everywhere_round_trips_and_re_applies_with_zero_writes(
    name: str, local: LocalServer, tmp_path: Path
) -> None:
    """Unicode is not bad input: names, descriptions and messages survive intact, and converge."""
    directory = tmp_path / "in"
    doc = wf(
        name=name, description="описание — ✓", definition=definition("héllo 👋 {{$trigger.body.message}}")
    )
    materialize(Case("unicode", [], doc=doc), directory)
    first = run_cli(["apply", str(directory)], url=local.url, key=local.api_key)
    assert first.code == 0, first.text
    assert name in first.out
    local.clear_requests()
    again = run_cli(["apply", str(directory)], url=local.url, key=local.api_key)
    assert again.code == 0 and "No changes" in again.out, again.out[:300]
    assert writes(local) == 0
