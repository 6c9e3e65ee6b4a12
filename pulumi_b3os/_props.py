"""Translation between Pulumi property dicts and the shared resource layer (``b3os.workflow``).

Inputs (what the program declares): ``name description definition state cooldown_ms max_runs
visibility adopt_id adopt_by_name``. Outputs: ``b3os.workflow.outputs_of`` minus ``id`` (that is
the resource id), with ``state`` kept as the *declared* desired state (the server's own word is
``status``) and the two adopt inputs echoed, so that ``read`` can rebuild inputs from outputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.output import Output, Unknown
from pulumi.runtime import rpc

from b3os.normalize import definitions_equal
from b3os.workflow import WorkflowSpec, public_state

__all__ = [
    "ADOPT_KEYS",
    "INPUT_KEYS",
    "OWNER_KEY",
    "PINNED_KEY",
    "OUTPUT_ONLY_KEYS",
    "clean",
    "has_unknowns",
    "observed_inputs",
    "pulumi_outputs",
    "spec_of",
]

SPEC_KEYS = (
    "name",
    "description",
    "definition",
    "state",
    "cooldown_ms",
    "max_runs",
    "visibility",
    "live_version",
)
PINNED_KEY = "pinned_version"  # output: the live_version input the outputs were made for (the output
# ``live_version`` is the server's live version number, which a rollback makes a new one)
ADOPT_KEYS = ("adopt_id", "adopt_by_name")
OWNER_KEY = (
    "owner"  # hidden input: pulumi:<project>/<stack>, set by the resource (docs/internals.md, "Ownership")
)
INPUT_KEYS = (*SPEC_KEYS, *ADOPT_KEYS)
OUTPUT_ONLY_KEYS = (
    "status", "version", "live_version", "has_draft", "type", "created_at", "updated_at", "trigger_secret",
)  # fmt: skip
_INT_KEYS = ("cooldown_ms", "max_runs", "version", "live_version", PINNED_KEY)
PROVIDER_KEY = "__provider"


def _is_unknown(value: Any) -> bool:
    # The SDK hands preview-time unknowns to providers as ``pulumi.output.Unknown`` objects
    # (older SDKs: the raw sentinel string; output values: an ``Output``).
    if isinstance(value, Unknown | Output):
        return True
    if isinstance(value, str):
        return value == rpc.UNKNOWN
    if isinstance(value, Mapping):
        return any(_is_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_is_unknown(v) for v in value)
    return False


def has_unknowns(props: Mapping[str, Any], keys: tuple[str, ...] = INPUT_KEYS) -> list[str]:
    """The keys whose value is (or contains) a preview-time unknown."""
    return [k for k in keys if _is_unknown(props.get(k))]


def clean(props: Mapping[str, Any]) -> dict[str, Any]:
    """Props without ``__provider`` and ``None``s; Pulumi numbers are floats on the wire."""
    out: dict[str, Any] = {}
    for key, value in props.items():
        if key == PROVIDER_KEY or value is None:
            continue
        if key in _INT_KEYS and isinstance(value, float) and value.is_integer():
            value = int(value)
        out[key] = value
    return out


def spec_of(
    inputs: Mapping[str, Any], *, id: str | None = None, adopt: bool = False, adopt_unowned: bool = False
) -> WorkflowSpec:
    """The desired state the inputs declare (``check`` has validated them already)."""
    owner = inputs.get(OWNER_KEY)
    return WorkflowSpec.build(
        owner=owner if isinstance(owner, str) else None,
        adopt=adopt,
        adopt_unowned=adopt_unowned,
        name=inputs.get("name"),
        id=id,
        description=inputs.get("description"),
        definition=inputs.get("definition"),
        state=inputs.get("state"),
        cooldown_ms=inputs.get("cooldown_ms"),
        max_runs=inputs.get("max_runs"),
        visibility=inputs.get("visibility"),
        live_version=inputs.get("live_version"),
        validate=False,
    )


def pulumi_outputs(outputs: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Resource outputs from the shared layer's outputs and the inputs they were made for."""
    outs = {k: v for k, v in outputs.items() if k != "id"}
    declared = inputs.get("definition")
    actual = outs.get("definition")
    if isinstance(declared, Mapping) and isinstance(actual, Mapping) and definitions_equal(declared, actual):
        # Same content: keep the program's spelling (`children: []`, `payload: {}`, key order), so
        # that inputs rebuilt from these outputs by `refresh` diff as equal to the program.
        outs["definition"] = declared
    outs["state"] = inputs.get("state") or "published"
    if inputs.get("live_version") is not None:
        outs[PINNED_KEY] = inputs["live_version"]
    for key in (*ADOPT_KEYS, OWNER_KEY):
        if inputs.get(key) is not None:
            outs[key] = inputs[key]
    return outs


def observed_state(status: str | None, desired: str) -> str:
    """The desired state that describes what the server has now (for refreshed inputs)."""
    if status in (None, "archived"):
        return "archived"
    if desired == "draft" or status == "draft":
        # "draft" only promises that nothing of ours was published: a live version may still run.
        return "draft"
    return public_state(status) or "published"


def observed_inputs(outs: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs that describe the server's current content, so ``pulumi refresh`` shows drift
    and the next preview diffs the program against reality. Unset optional settings stay unset,
    and a definition equal to the declared one keeps its spelling (``pulumi_outputs``): the
    normalizer's rule that ``children: []`` and ``payload: {}`` equal absent holds after refresh."""
    desired = str(outs.get("state") or "published")
    inputs: dict[str, Any] = {
        "name": outs.get("name"),
        # "" is B3OS's "no description": left unset, like a program that declares none
        "description": outs.get("description") or None,
        "definition": outs.get("definition"),
        "state": observed_state(outs.get("status"), desired),
    }
    for key in ("cooldown_ms", "max_runs"):
        if outs.get(key) is not None:
            inputs[key] = outs[key]
    if outs.get(PINNED_KEY) is not None:
        inputs["live_version"] = outs[PINNED_KEY]
    if outs.get("visibility") not in (None, "private"):
        inputs["visibility"] = outs["visibility"]
    for key in (*ADOPT_KEYS, OWNER_KEY):
        if outs.get(key) is not None:
            inputs[key] = outs[key]
    return {k: v for k, v in inputs.items() if v is not None}
