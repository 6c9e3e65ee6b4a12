"""The validation phase before the first write (``b3os.workflow.validate_plans``, shared by
``b3os plan/apply`` and the bulk Ansible module): twice the writes' parallelism, each distinct
(name, definition) once, and any refusal before any write."""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

import pytest

from b3os._pool import VALIDATION_FACTOR, validation_parallelism
from b3os.cli.commands import _validate
from b3os.client import Client
from b3os.errors import DefinitionError
from b3os.kinds import get
from b3os.local import LocalServer, is_write
from b3os.models import ValidationItem, ValidationResult
from b3os.resource.files import Declared
from b3os.resource.fleet import plan_all
from b3os.workflow import WorkflowSpec, plan, validate_plans

GOOD: dict[str, Any] = {
    "nodes": {
        "root": {"type": "manual", "payload": {}, "children": ["log"]},
        "log": {"type": "log", "payload": {"message": "m {{$trigger.body.x}}"}},
    }
}
BAD: dict[str, Any] = {
    "nodes": {
        "root": {"type": "manual", "payload": {}, "children": []},
        "orphan": {"type": "log", "payload": {"message": "x"}},
    }
}


def definition(i: int) -> dict[str, Any]:
    changed = copy.deepcopy(GOOD)
    changed["nodes"]["log"]["payload"]["message"] = f"m{i} {{{{$trigger.body.x}}}}"
    return changed


class CountingClient:
    """Only ``validate_definition``: counts calls and the most in flight at once. With ``meet``
    set, each call waits until that many are in flight together (a barrier, not a clock), so a
    pool smaller than ``meet`` fails the test with a broken barrier instead of passing."""

    def __init__(self, meet: int = 0, refuse: tuple[str, ...] = ()) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.calls: list[str] = []
        self.barrier = threading.Barrier(meet, timeout=30) if meet else None
        self.refuse = refuse

    def validate_definition(self, definition: dict[str, Any], name: str = "Untitled") -> ValidationResult:
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.calls.append(name)
        try:
            if self.barrier is not None:
                self.barrier.wait()
            if name in self.refuse:
                return ValidationResult(valid=False, errors=[ValidationItem(message=f"refused {name}")])
            return ValidationResult(valid=True)
        finally:
            with self.lock:
                self.in_flight -= 1


def creates(n: int) -> list[Any]:
    return [plan(WorkflowSpec.build(name=f"wf-{i}", definition=definition(i)), None) for i in range(n)]


def test_validation_parallelism_is_twice_the_writes_and_sequential_stays_sequential() -> None:
    assert VALIDATION_FACTOR == 2
    assert validation_parallelism(10) == 20
    assert validation_parallelism(3) == 6
    assert validation_parallelism(1) == 1  # --parallelism 1: one request at a time, validations too


@pytest.mark.parametrize("parallelism", [2, 10])
def test_validations_run_twice_the_parallelism_at_once_and_never_more(parallelism: int) -> None:
    bound = 2 * parallelism
    client = CountingClient(meet=bound)
    validate_plans(client, creates(2 * bound), parallelism=parallelism)  # type: ignore[arg-type]
    assert client.peak == bound
    assert len(client.calls) == 2 * bound


def test_parallelism_one_validates_one_at_a_time() -> None:
    client = CountingClient()
    validate_plans(client, creates(5), parallelism=1)  # type: ignore[arg-type]
    assert client.peak == 1 and client.calls == [f"wf-{i}" for i in range(5)]


def test_the_same_name_and_definition_is_validated_once() -> None:
    same = WorkflowSpec.build(name="twin", definition=GOOD)
    plans = [plan(same, None), plan(WorkflowSpec.build(name="twin", definition=copy.deepcopy(GOOD)), None)]
    plans.append(plan(WorkflowSpec.build(name="other", definition=GOOD), None))  # another name: sent
    client = CountingClient()
    validate_plans(client, plans, parallelism=10)  # type: ignore[arg-type]
    assert sorted(client.calls) == ["other", "twin"]


def test_nothing_to_send_means_no_request() -> None:
    client = CountingClient()
    validate_plans(client, [], parallelism=10)  # type: ignore[arg-type]
    assert client.calls == []


def test_the_first_refusal_in_the_plans_order_is_raised_whatever_finishes_first() -> None:
    client = CountingClient(refuse=("wf-3", "wf-17"))
    with pytest.raises(DefinitionError) as raised:
        validate_plans(client, creates(30), parallelism=10)  # type: ignore[arg-type]
    assert [item.message for item in raised.value.items] == ["refused wf-3"]


def test_the_cli_engine_writes_nothing_when_any_definition_is_refused(
    b3os_client: Client, b3os_local: LocalServer
) -> None:
    # 25 workflows (more than one validation batch of 20) through the engine with the CLI's
    # validation; the last one only the server refuses: no workflow is written at all.
    kind = get("workflow")
    declared = [
        Declared(Path(f"wf-{i}.yaml"), kind, WorkflowSpec.build(name=f"v-{i}", definition=definition(i)))
        for i in range(24)
    ]
    declared.append(
        Declared(Path("bad.yaml"), kind, WorkflowSpec.build(name="v-bad", definition=BAD, validate=False))
    )
    b3os_local.clear_requests()
    with pytest.raises(DefinitionError):
        plan_all(b3os_client, declared, parallelism=10, validate=_validate)
    requests = b3os_local.requests()
    assert [r for r in requests if is_write(r)] == []
    assert sum(1 for r in requests if r["method"] == "POST" and r["path"] == "/v1/workflows/validate") == 25
