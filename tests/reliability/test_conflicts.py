"""Two applies editing the same workflow at the same time: one wins, the other gets the clear
conflict error, and no update is silently lost."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from b3os.client import Client
from b3os.errors import ConflictError
from b3os.local import LocalServer
from b3os.workflow import ApplyResult, WorkflowSpec, apply, ensure, plan, read
from tests.reliability import figures
from tests.reliability.helpers import definition, run_cli_process, spawn_cli, write_spec

NAME = "contested"


def live_message(client: Client, name: str) -> str:
    state = read(client, WorkflowSpec.build(name=name))
    assert state is not None and state.live is not None and state.live.definition is not None
    message: str = state.live.definition["nodes"]["log_message"]["payload"]["message"]
    return message


def test_two_concurrent_applies_through_the_python_api(local: LocalServer, api: Client) -> None:
    ensure(api, WorkflowSpec.build(name=NAME, definition=definition("original")))
    specs = {who: WorkflowSpec.build(name=NAME, definition=definition(who)) for who in ("alice", "bob")}
    # Both read the same version before either writes: the race an unlocked PUT would lose silently.
    plans = {who: plan(spec, read(api, spec)) for who, spec in specs.items()}
    start = threading.Barrier(2)
    outcome: dict[str, ApplyResult | Exception] = {}

    def run(who: str) -> None:
        with Client(base_url=local.url, api_key=local.api_key) as client:
            start.wait()
            try:
                outcome[who] = apply(client, plans[who])
            except Exception as exc:  # noqa: BLE001 - recorded and asserted below
                outcome[who] = exc

    threads = [threading.Thread(target=run, args=(who,)) for who in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    winners = [who for who, o in outcome.items() if isinstance(o, ApplyResult)]
    losers = {who: o for who, o in outcome.items() if isinstance(o, Exception)}
    assert len(winners) == 1 and len(losers) == 1, outcome
    (loser, error), winner = next(iter(losers.items())), winners[0]
    assert isinstance(error, ConflictError), repr(error)
    assert "changed by someone else since it was read" in str(error)
    assert "nothing was overwritten" in str(error) and "re-run" in str(error)
    assert sum(1 for e in local.requests() if e["status"] == 409) == 1

    assert live_message(api, NAME) == winner, "the winner's edit is live"
    # Nothing lost: the loser's content was refused, not dropped; re-running applies it on top.
    assert ensure(api, specs[loser]).changed
    assert live_message(api, NAME) == loser
    state = read(api, specs[loser])
    assert state is not None
    history = [
        v.definition.nodes["log_message"].payload["message"]
        for v in api.list_versions(state.id).items
        if v.definition
    ]
    assert winner in history and loser in history, history
    figures.add("conflicts_detected")


@pytest.mark.slow
def test_two_concurrent_b3os_apply_processes(local: LocalServer, tmp_path: Path) -> None:
    # Two checkouts of one repository (one owner: the same b3os.lock.json) edit one workflow.
    (tmp_path / "alice").mkdir()
    write_spec(tmp_path / "alice", NAME, message="original")
    assert run_cli_process(["apply", str(tmp_path / "alice")], url=local.url, key=local.api_key).code == 0
    paths = {}
    for who in ("alice", "bob"):
        (tmp_path / who).mkdir(exist_ok=True)
        paths[who] = write_spec(tmp_path / who, NAME, message=who)
    shutil.copy(tmp_path / "alice" / "b3os.lock.json", tmp_path / "bob" / "b3os.lock.json")
    # Hold every PUT for 3 s so that both processes have read version N before either writes
    # (generous: a loaded CI machine can start one interpreter a second later than the other).
    local.inject_faults(error_rate=0.0, latency_ms=3000, methods=["PUT"])
    procs: dict[str, Any] = {}
    for who, path in paths.items():
        procs[who] = spawn_cli(
            ["apply", str(path)], url=local.url, key=local.api_key, log=tmp_path / f"{who}.log"
        )
    try:
        codes = {who: p.wait(timeout=60) for who, p in procs.items()}
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
    local.clear_faults()
    logs = {who: (tmp_path / f"{who}.log").read_text() for who in procs}
    assert sorted(codes.values()) == [0, 1], logs
    winner = next(who for who, c in codes.items() if c == 0)
    loser = next(who for who, c in codes.items() if c == 1)
    assert "changed by someone else since it was read" in logs[loser], logs[loser]
    assert "Traceback" not in logs[loser]
    with Client(base_url=local.url, api_key=local.api_key) as client:
        assert live_message(client, NAME) == winner
    figures.add("conflicts_detected")
    time.sleep(0)  # nothing else to wait for: both processes have exited
