"""Template resolution and if-conditions (pure functions of b3os.local.expressions/conditions)."""

from __future__ import annotations

from typing import Any

import pytest

from b3os.local.conditions import ConditionError, evaluate
from b3os.local.expressions import Scope, resolve

TRIGGER = {"message": "hi", "body": {"message": "hi", "items": [{"n": 1}, {"n": 2}]}, "source": "manual"}
SCOPE = Scope(
    trigger=TRIGGER,
    trigger_payload={},
    nodes={"root": {"result": TRIGGER}, "price": {"result": {"usd": 1999.5, "tags": ["a", "b"]}}},
    workflow_id="wf_1",
    loop={"$item": {"name": "x"}, "$index": 3},
)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{$trigger.body.message}}", "hi"),
        ("{{root.result.message}}", "hi"),
        ("{{ $trigger.body.items }}", [{"n": 1}, {"n": 2}]),
        ("{{$trigger.body.items.1.n}}", 2),
        ("{{$nodes.price.result.usd}}", 1999.5),
        ("{{price.result.tags.0}}", "a"),
        ("n={{price.result.usd}}", "n=1999.5"),
        ("{{$trigger.body.items}}!", '[{"n":1},{"n":2}]!'),
        ("{{$workflow.id}}/{{$workflowId}}", "wf_1/wf_1"),
        ("{{$item.name}}#{{$index}}", "x#3"),
        ("{{$trigger.body.nope || 0}}", 0),
        ("{{$trigger.body.nope || 'dflt'}}", "dflt"),
        ("missing:[{{unknown.result.x}}]", "missing:[]"),
        ("{{unknown.result.x}}", None),
        ("no template", "no template"),
    ],
)
def test_resolve(template: str, expected: Any) -> None:
    assert resolve(template, SCOPE) == expected


def test_resolve_walks_containers_and_keeps_keys() -> None:
    value = {"{{k}}": ["{{$trigger.source}}", {"deep": "{{$index}}"}], "n": 5}
    assert resolve(value, SCOPE) == {"{{k}}": ["manual", {"deep": 3}], "n": 5}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (
            {"$and": [{"{{price.result.usd}}": {"$lte": 2000}}, {"{{$trigger.source}}": {"$eq": "manual"}}]},
            True,
        ),
        (
            {"$or": [{"{{price.result.usd}}": {"$gt": 2000}}, {"{{$trigger.source}}": {"$ne": "manual"}}]},
            False,
        ),
        ({"{{price.result.usd}}": {"$gte": "1999.5"}}, True),  # numeric strings compare as numbers
        ({"{{price.result.tags}}": {"$contains": "b"}}, True),
        ({"{{$trigger.message}}": {"$in": ["hi", "ho"]}}, True),
        ({"{{$trigger.nothing}}": {"$exists": True}}, False),
        ({"{{$trigger.nothing}}": {"$notExists": True}}, True),
        ({"$and": [{"$or": [{"{{$index}}": {"$lt": 1}}, {"{{$index}}": {"$eq": 3}}]}]}, True),
        ({"{{$trigger.message}}": "hi"}, True),
        ([], True),
    ],
)
def test_conditions(condition: Any, expected: bool) -> None:
    assert evaluate(condition, SCOPE) is expected


@pytest.mark.parametrize("condition", [{"$and": {"x": 1}}, {"{{$index}}": {"$regex": "x"}}, 5])
def test_bad_conditions_name_the_problem(condition: Any) -> None:
    with pytest.raises(ConditionError):
        evaluate(condition, SCOPE)
