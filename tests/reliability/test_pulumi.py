"""Pulumi under faults, crashes, bad input and secret scanning — the real `pulumi` CLI driven by
tests/pulumi/harness.py (imported, not copied), against this suite's b3os-local."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from b3os.local import LocalServer
from tests.pulumi.conftest import pulumi_bin  # noqa: F401 - the harness's fixture: CLI or a clear skip
from tests.pulumi.harness import PulumiProject
from tests.reliability import figures, processes
from tests.reliability.helpers import assert_no_secrets, faults_seen
from tests.support import with_message

pytestmark = pytest.mark.pulumi


def declared(count: int, prefix: str) -> dict[str, dict[str, Any]]:
    return {
        f"wf{i:03d}": {
            "name": f"{prefix} {i:03d}",
            "definition": with_message(f"#{i} {{{{$trigger.body.message}}}}"),
        }
        for i in range(count)
    }


def assert_exactly(project: PulumiProject, count: int, prefix: str) -> None:
    with project.client() as client:
        workflows = project.workflows(client)
    names = sorted(w.name for w in workflows)
    assert names == [f"{prefix} {i:03d}" for i in range(count)], (
        "exactly the declared workflows, no duplicates"
    )
    assert {w.status for w in workflows} == {"active"}, "all in the desired state"


@pytest.fixture
def project(tmp_path: Path, pulumi_bin: Path, local: LocalServer) -> PulumiProject:  # noqa: F811
    return PulumiProject.create(tmp_path, pulumi_bin, local)


@pytest.mark.slow
def test_pulumi_up_of_50_converges_under_20_percent_429_503_and_latency(
    project: PulumiProject, local: LocalServer
) -> None:
    project.declare(declared(50, "faulty"))
    start = len(local.requests())
    local.inject_faults(error_rate=0.2, statuses=(429, 503), retry_after=0.1, latency_ms=50)
    up = project.up("--parallel", "16")
    assert "+ 51 created" in up.stdout, up.output
    since = project.mark()
    again = project.up()
    assert project.calls(since).writes == 0, "a converged re-run makes zero writes"
    assert "51 unchanged" in again.stdout, again.output
    injected = faults_seen(local.requests()[start:])
    local.clear_faults()
    assert injected > 20, "the faults really happened"
    assert_exactly(project, 50, "faulty")
    figures.add("faults_injected", injected)
    figures.add("workflows_converged", 50)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """kill -9 of `pulumi up` and everything it started (language host, provider), like a CI runner.

    Not only its process group: the Pulumi CLI starts each plugin in a group of its own."""
    processes.kill_tree(proc)


def _creates(local: LocalServer, org_id: str) -> int:
    return sum(
        1
        for e in local.requests()
        if e["method"] == "POST" and e["path"] == "/v1/workflows" and e["organizationId"] == org_id
        and e["status"] == 200
    )  # fmt: skip


@pytest.mark.slow
def test_kill_9_of_pulumi_up_while_creating_30_then_documented_recovery_converges(
    project: PulumiProject, local: LocalServer, tmp_path: Path
) -> None:
    count = 30
    project.declare(declared(count, "crash"))
    local.inject_faults(error_rate=0.0, latency_ms=300, path="/v1/workflow[s]", methods=["POST"])
    log = (tmp_path / "up.log").open("wb")
    proc = subprocess.Popen(
        [
            str(project.bin_dir / "pulumi"),
            "up",
            "--yes",
            "--skip-preview",
            "--non-interactive",
            "--parallel",
            "4",
        ],
        cwd=project.dir,
        env=project.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while _creates(local, project.org_id) < 8 and time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "up.log").read_text()
            time.sleep(0.05)
        _kill_group(proc)
    finally:
        log.close()
        if proc.poll() is None:
            _kill_group(proc)
    local.clear_faults()
    time.sleep(0.5)  # a create in flight when the CLI died still completes on the server
    with project.client() as client:
        made = len(project.workflows(client))
    assert 0 < made < count, f"the kill landed mid-way ({made} of {count})"

    # The documented recovery (README): refresh --clear-pending-creates, then up. A killed CLI
    # leaves its stack lock behind on a file backend: `pulumi cancel` removes it first.
    locked = project.refresh("--clear-pending-creates", check=False)
    assert "locked" in locked.output, locked.output
    project.run("cancel", "--yes")
    project.refresh("--clear-pending-creates")
    project.up()
    assert_exactly(project, count, "crash")
    since = project.mark()
    assert project.preview("--expect-no-changes").returncode == 0
    assert project.calls(since).writes == 0
    figures.add("crashes_recovered")
    figures.add("workflows_converged", count)


@pytest.mark.slow
def test_pulumi_state_and_verbose_output_never_hold_the_key_or_trigger_secrets(
    project: PulumiProject,
) -> None:
    project.declare(declared(2, "secret"))
    outputs: dict[str, str] = {}
    outputs["up -v=9 --debug --logtostderr"] = project.up("-v=9", "--debug", "--logtostderr").output
    with project.client() as client:
        secrets: dict[str, str | None] = {"API key": project.api_key}
        for w in project.workflows(client):
            secrets[f"trigger secret of {w.name}"] = client.get_workflow(w.id).trigger_secret
    assert all(secrets.values())
    declared_now = declared(2, "secret")
    declared_now["wf000"]["definition"] = with_message("changed")
    project.declare(declared_now)
    outputs["preview --diff -v=9"] = project.preview("--diff", "-v=9", "--logtostderr").output
    outputs["up --diff -v=9"] = project.up("--diff", "-v=9", "--logtostderr").output
    outputs["refresh -v=9"] = project.refresh("-v=9", "--logtostderr").output
    outputs["stack export"] = project.export()
    outputs["stack output --json"] = project.run("stack", "output", "--json").stdout
    outputs["stack history"] = project.run("stack", "history", "--json").stdout
    outputs["config"] = project.run("config", "--json").stdout
    for label, text in outputs.items():
        assert text.strip(), label
        assert_no_secrets(text, secrets, f"`pulumi {label}`")


def _pulumi_bad_cases() -> list[tuple[str, dict[str, Any], dict[str, str], list[str]]]:
    """(label, Workflow args, config overrides, phrases the error must contain)."""
    good = with_message("ok {{$trigger.body.message}}")
    cycle = with_message("x")
    cycle["nodes"]["log_message"]["children"] = ["root"]
    dangling = with_message("x")
    dangling["nodes"]["log_message"]["children"] = ["ghost"]
    no_trigger = with_message("x")
    no_trigger["nodes"]["root"] = {"type": "log", "payload": {"message": "x"}, "children": ["log_message"]}
    return [
        ("unknown state", {"name": "p", "definition": good, "state": "running"}, {}, ["state 'running' is not valid"]),
        ("empty name", {"name": "", "definition": good}, {}, ["name must be a non-empty string"]),
        ("300-character name", {"name": "n" * 300, "definition": good}, {}, ["300 characters", "at most 255"]),
        ("name of the wrong type", {"name": ["a"], "definition": good}, {}, ["name"]),
        ("cycle", {"name": "p", "definition": cycle}, {}, ["closes a cycle"]),
        ("dangling child", {"name": "p", "definition": dangling}, {}, ["unknown node 'ghost'"]),
        ("missing trigger", {"name": "p", "definition": no_trigger}, {}, ["trigger"]),
        ("5 MB definition", {"name": "p", "definition": with_message("x" * (5 * 1024 * 1024))}, {}, ["at most 1,048,576"]),
        ("wrong API key", {"name": "p", "definition": good}, {"b3os:apiKey": "b3sk_wrong_key_00000"}, ["401"]),
        ("http:// to a remote host", {"name": "p", "definition": good}, {"b3os:apiUrl": "http://api.b3os.org"}, ["refusing plain http://"]),
    ]  # fmt: skip


@pytest.mark.slow
def test_pulumi_bad_input_fails_clearly_and_creates_nothing(project: PulumiProject) -> None:
    problems: list[str] = []
    for label, args, config, phrases in _pulumi_bad_cases():
        project.declare({"bad": args})
        for key, value in config.items():
            project.run("config", "set", *(["--secret"] if key.endswith("apiKey") else []), key, value)
        since = project.mark()
        result = project.up(check=False)
        text = " ".join(result.output.split())
        if result.returncode == 0:
            problems.append(f"{label}: pulumi up succeeded")
        elif not all(p in text for p in phrases):
            problems.append(f"{label}: {phrases} not all in the output:\n{result.output[-1500:]}")
        elif label in ("wrong API key", "http:// to a remote host") and "Traceback" in result.output:
            problems.append(
                f"{label}: a Python traceback instead of one clear line:\n{result.output[-1500:]}"
            )
        elif project.calls(since).writes:
            problems.append(f"{label}: {project.calls(since).writes} write(s)")
        else:
            figures.add("bad_inputs")
        if "b3os:apiUrl" in config:
            project.run("config", "set", "b3os:apiUrl", project.server.url)
        if "b3os:apiKey" in config:
            project.run("config", "set", "--secret", "b3os:apiKey", project.api_key)
    with project.client() as client:
        assert project.workflows(client) == [], "nothing created"
    assert not problems, "\n".join(problems)
