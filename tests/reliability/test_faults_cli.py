"""`b3os apply` of 50 workflows while b3os-local answers 20% of requests with 429/503 (with
Retry-After) and adds 50 ms to every request: one run converges, exactly 50 workflows exist, all
in the desired state, and a re-run writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from b3os.client import Client
from b3os.local import LocalServer
from b3os.workflow import plan, read
from b3os.workflow.files import load_specs
from tests.reliability import figures
from tests.reliability.helpers import faults_seen, run_cli_process, workflow_names, write_specs
from tests.support import Calls

COUNT = 50


def assert_converged(server: LocalServer, directory: Path, names: list[str]) -> None:
    """Exactly these workflows exist, and each one's live state matches its file (checked without faults)."""
    assert workflow_names(server) == sorted(names), "exactly the declared workflows, no duplicates"
    with Client(base_url=server.url, api_key=server.api_key) as client:
        for path, spec in load_specs([directory]):
            state = read(client, spec)
            assert state is not None and state.status == "active", path
            assert plan(spec, state).actions == [], f"{path} is not in its desired state"


@pytest.mark.slow
def test_b3os_apply_of_50_converges_under_20_percent_429_503_and_latency(
    local: LocalServer, tmp_path: Path
) -> None:
    names = write_specs(tmp_path / "workflows", COUNT, prefix="faulty")
    local.inject_faults(error_rate=0.2, statuses=(429, 503), retry_after=0.1, latency_ms=50)

    first = run_cli_process(["apply", str(tmp_path / "workflows")], url=local.url, key=local.api_key)
    assert first.code == 0, first.out + first.err
    assert f"{COUNT} of {COUNT} workflow(s) changed" in first.out
    entries = local.requests()
    injected = faults_seen(entries)
    assert injected > 20, "the faults really happened"
    creates = [
        e for e in entries if e["method"] == "POST" and e["path"] == "/v1/workflows" and e["status"] == 200
    ]
    assert len(creates) == COUNT, "every workflow created exactly once, though creates were refused too"

    local.clear_requests()
    again = run_cli_process(["apply", str(tmp_path / "workflows")], url=local.url, key=local.api_key)
    rerun = local.requests()
    assert again.code == 0, again.out + again.err
    assert "No changes: 50 workflow(s) match their files." in again.out
    assert Calls.of(rerun).writes == 0, "a converged re-run makes zero writes, faults or not"
    injected += faults_seen(rerun)

    local.clear_faults()
    assert_converged(local, tmp_path / "workflows", names)
    figures.add("faults_injected", injected)
    figures.add("workflows_converged", COUNT)


@pytest.mark.slow
@pytest.mark.parametrize("round_", range(5))
def test_b3os_apply_of_50_converges_in_one_run_under_30_percent_429_500_502_503(
    round_: int, local: LocalServer, tmp_path: Path
) -> None:
    """Issue 18's bar: 30% of requests answered 429/500/502/503, 50 ms on every request, 50 new
    workflows, five rounds: each apply converges in one run, no duplicate, the re-run writes nothing."""
    names = write_specs(tmp_path / "workflows", COUNT, prefix=f"r{round_}")
    local.inject_faults(
        error_rate=0.3, statuses=(429, 500, 502, 503), retry_after=0.05, latency_ms=50, seed=round_
    )
    first = run_cli_process(["apply", str(tmp_path / "workflows")], url=local.url, key=local.api_key)
    assert first.code == 0, first.out + first.err
    injected = faults_seen(local.requests())
    assert injected > 20, "the faults really happened"
    local.clear_requests()
    again = run_cli_process(["apply", str(tmp_path / "workflows")], url=local.url, key=local.api_key)
    assert again.code == 0, again.out + again.err
    assert Calls.of(local.requests()).writes == 0
    local.clear_faults()
    assert_converged(local, tmp_path / "workflows", names)
    figures.add("faults_injected", injected + faults_seen(local.requests()))
    figures.add("workflows_converged", COUNT)
