"""Plan and apply of many objects: dependency order, failure isolation, declared order kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from b3os.errors import BadRequestError
from b3os.kinds import get
from b3os.resource.files import Declared
from b3os.resource.fleet import apply_all, plan_all
from tests.unit.resource.fake_api import FakeClient


def declared(kind: str, values: dict[str, Any], name: str) -> Declared:
    k = get(kind)
    return Declared(Path(name), k, k.build(values))


def items() -> list[Declared]:
    return [
        declared("workflow_variable", {"workflow": "wf_1", "name": "n", "type": "number", "lifetime": "persist"}, "a.yaml"),
        declared("execution_webhook", {"name": "hook", "url": "https://example.test/h"}, "b.yaml"),
        declared("connector", {"name": "c", "type": "slack", "data": {"token": "t0ken-value"}}, "c.yaml"),
    ]  # fmt: skip


@pytest.mark.parametrize("parallelism", [1, 10])
def test_apply_all_in_registry_order_then_zero_writes(parallelism: int) -> None:
    client = FakeClient()
    planned = plan_all(client, items(), parallelism=parallelism)  # type: ignore[arg-type]
    assert [p.plan.action_names for p in planned] == [["create"], ["create"], ["create"]]
    assert client.writes == []
    outcomes = apply_all(client, planned, parallelism=parallelism)  # type: ignore[arg-type]
    assert all(o.ok for o in outcomes)
    assert [o.planned.path.name for o in outcomes] == ["a.yaml", "b.yaml", "c.yaml"]  # declared order
    assert [w[1] for w in client.writes] == ["c", "hook", "n"]  # connector, webhook, variable
    again = plan_all(client, items(), parallelism=parallelism)  # type: ignore[arg-type]
    assert not any(p.plan.changed for p in again)
    apply_all(client, again, parallelism=parallelism)  # type: ignore[arg-type]
    assert len(client.writes) == 3


def test_one_failure_does_not_stop_the_others() -> None:
    client = FakeClient()

    def refuse(**_: Any) -> Any:
        raise BadRequestError("url refused", status_code=400)

    client.execution_webhooks.create = refuse  # type: ignore[method-assign]
    outcomes = apply_all(client, plan_all(client, items()))  # type: ignore[arg-type]
    assert [o.ok for o in outcomes] == [True, False, True]
    assert "url refused" in str(outcomes[1].error)
    assert {w[1] for w in client.writes} == {"c", "n"}


def test_fleet_error_lists_every_failure_and_what_was_applied() -> None:
    from b3os.resource.fleet import FleetError

    client = FakeClient()

    def refuse(**_: Any) -> Any:
        raise BadRequestError("url refused", status_code=400)

    client.execution_webhooks.create = refuse  # type: ignore[method-assign]
    outcomes = apply_all(client, plan_all(client, items()))  # type: ignore[arg-type]
    error = FleetError(outcomes)
    assert str(error).startswith("1 of 3 failed (2 applied")
    assert "execution_webhook 'hook': 400 Bad Request: url refused" in str(error)
