"""The generic engine over the three simple kinds: check → apply → check → apply, pure of HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from b3os.errors import ConfigError
from b3os.kinds import get
from b3os.resource.simple import masked_outputs
from tests.unit.resource.fake_api import FakeClient

SECRET = "xoxb-super-secret-token-value"


def converge(client: Any, kind_name: str, values: dict[str, Any]) -> tuple[Any, Any]:
    kind = get(kind_name)
    spec = kind.build(values)
    check = kind.apply(client, kind.plan(spec, kind.read(client, spec)), dry_run=True)
    return check, kind.ensure(client, spec)


def test_connector_create_then_noop_makes_zero_writes() -> None:
    client = FakeClient()
    values = {"name": "team slack", "type": "slack", "data": {"token": SECRET}}
    check, applied = converge(client, "connector", values)
    assert check.changed and check.actions == ["create"] and client.writes == [("create", "team slack")]
    assert applied.changed
    check, again = converge(client, "connector", values)
    assert not check.changed and not again.changed
    assert client.writes == [("create", "team slack")]


def test_connector_data_never_in_diff_or_outputs() -> None:
    client = FakeClient()
    kind = get("connector")
    spec = kind.build({"name": "c", "type": "slack", "data": {"token": SECRET}})
    result = kind.ensure(client, spec)
    shown = repr(
        (result.plan.diff.before, result.plan.diff.after, result.plan.diff.describe(), result.outputs)
    )
    assert SECRET not in shown
    assert "data" not in result.outputs
    assert result.outputs["data_fingerprint"].startswith("pbkdf2-sha256$")
    assert SECRET not in repr(masked_outputs(kind.fields, result.outputs))


def test_connector_changed_secret_is_applied_when_a_fingerprint_is_known() -> None:
    client = FakeClient()
    kind = get("connector")
    first = kind.ensure(client, kind.build({"name": "c", "type": "slack", "data": {"token": SECRET}}))
    recorded = first.outputs
    spec = kind.build({"name": "c", "type": "slack", "data": {"token": SECRET + "-rotated"}})
    state = kind.carry_over(kind.read(client, spec), recorded)
    plan = kind.plan(spec, state)
    assert plan.action_names == ["update"]
    assert plan.diff.describe() == ["data: (sensitive value changed)"]
    same = kind.plan(kind.build({"name": "c", "type": "slack", "data": {"token": SECRET}}), state)
    assert not same.changed


def test_connector_without_fingerprint_compares_keys_and_honours_always() -> None:
    client = FakeClient()
    kind = get("connector")
    kind.ensure(client, kind.build({"name": "c", "type": "slack", "data": {"token": SECRET}}))
    other_value = kind.build({"name": "c", "type": "slack", "data": {"token": "other"}})
    assert not kind.plan(other_value, kind.read(client, other_value)).changed  # documented: unknowable
    other_keys = kind.build({"name": "c", "type": "slack", "data": {"token": SECRET, "team": "T1"}})
    assert kind.plan(other_keys, kind.read(client, other_keys)).action_names == ["update"]
    always = kind.build({"name": "c", "type": "slack", "data": {"token": SECRET}, "update_data": "always"})
    assert kind.plan(always, kind.read(client, always)).action_names == ["update"]


def test_connector_type_change_is_refused_naming_the_fix() -> None:
    client = FakeClient()
    kind = get("connector")
    kind.ensure(client, kind.build({"name": "c", "type": "slack", "data": {"token": SECRET}}))
    with pytest.raises(ConfigError, match="type cannot change"):
        kind.ensure(client, kind.build({"name": "c", "type": "discord", "data": {"token": SECRET}}))


def test_connector_delete_and_absent_noop() -> None:
    client = FakeClient()
    kind = get("connector")
    kind.ensure(client, kind.build({"name": "c", "type": "slack", "data": {"token": SECRET}}))
    gone = kind.ensure(client, kind.build({"name": "c", "state": "absent"}))
    assert gone.actions == ["delete"] and gone.outputs == {}
    assert not kind.ensure(client, kind.build({"name": "c", "state": "absent"})).changed


def test_duplicate_names_are_an_error_listing_ids() -> None:
    client = FakeClient()
    client.connectors.create(name="dup", type="slack", data={"a": "1"})
    client.connectors.create(name="dup", type="slack", data={"a": "1"})
    kind = get("connector")
    with pytest.raises(ConfigError, match=r"2 connectors are named 'dup' \(conn_\d+, conn_\d+\)"):
        kind.read(client, kind.build({"name": "dup", "type": "slack", "data": {"a": "1"}}))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": "w", "url": "ftp://x"}, "url: 'ftp://x' is not an http"),
        ({"name": "w", "url": "https://x", "max_retries": 99}, "max_retries: must be between 0 and 20"),
        ({"name": "w", "url": "https://x", "subscribed_event_types": "run.failed"}, "expected a array"),
        ({"url": "https://x"}, "needs an identity"),
        ({"name": "w", "colour": "red"}, "unknown field"),
    ],
)
def test_webhook_bad_input_names_the_field(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        get("execution_webhook").build(values)


def test_webhook_lifecycle_and_signing_secret() -> None:
    client = FakeClient()
    kind = get("execution_webhook")
    values = {"name": "hook", "url": "https://example.test/h", "subscribed_event_types": ["run.failed"]}
    _, created = converge(client, "execution_webhook", values)
    assert created.outputs["signing_secret"].startswith("whsec_") and created.outputs["enabled"] is True
    assert masked_outputs(kind.fields, created.outputs)["signing_secret"] == "***"
    check, again = converge(client, "execution_webhook", values)
    assert not check.changed and not again.changed
    _, disabled = converge(client, "execution_webhook", {**values, "enabled": False})
    assert disabled.actions == ["disable"] and disabled.outputs["enabled"] is False
    _, changed = converge(client, "execution_webhook", {**values, "max_retries": 5, "enabled": True})
    assert changed.actions == ["update", "enable"]
    writes = [w[0] for w in client.writes]
    assert writes == ["create", "disable", "update", "enable"]


def test_variable_by_workflow_id() -> None:
    client = FakeClient()
    values = {"workflow": "wf_1", "name": "counter", "type": "number", "lifetime": "persist", "default": 0}
    check, created = converge(client, "workflow_variable", values)
    assert check.actions == ["create"] and created.state.id == "wf_1/counter"
    check, again = converge(client, "workflow_variable", values)
    assert not check.changed and not again.changed
    _, updated = converge(client, "workflow_variable", {**values, "default": 5})
    assert updated.actions == ["update"] and client.variables.rows[("wf_1", "counter")]["default"] == 5
    assert len(client.writes) == 2


def test_variable_default_must_match_type() -> None:
    with pytest.raises(ConfigError, match="default: expected a number"):
        get("workflow_variable").build(
            {"workflow": "wf_1", "name": "n", "type": "number", "lifetime": "reset", "default": "zero"}
        )
