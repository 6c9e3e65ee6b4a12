"""One scenario list, both providers: the dynamic ``pulumi_b3os.Workflow`` and the native plugin
declared from Python with ``pulumi.CustomResource("b3os:index:Workflow", …)`` (no generated SDK;
the project's stand-in Python language host; the plugin found on PATH). Both programs read the
same spec.json (snake_case keys; the native program spells them camelCase), and every scenario
asserts the same outcome for both, so the two front ends of the shared engine cannot disagree.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.pulumi.harness import PulumiProject
from tests.support import QUICKSTART_DEFINITION, with_message

pytestmark = pytest.mark.pulumi

# The native provider from Python without an SDK: a CustomResource with the type token; every
# output named in the props (as None) becomes an attribute.
NATIVE_PROGRAM = """\
import json
import pulumi

OUTPUTS = ("status", "version", "liveVersion", "hasDraft", "triggerSecret")


def camel(key):
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


spec = json.load(open("spec.json"))
for resource_name, args in spec.get("workflows", {}).items():
    import_id = args.pop("import_id", None)
    props = {camel(k): v for k, v in args.items()}
    props.update({k: None for k in OUTPUTS})
    opts = pulumi.ResourceOptions(import_=import_id) if import_id else None
    wf = pulumi.CustomResource("b3os:index:Workflow", resource_name, props, opts)
    pulumi.export(f"{resource_name}.id", wf.id)
    pulumi.export(f"{resource_name}.status", wf.status)
    pulumi.export(f"{resource_name}.version", wf.version)
    pulumi.export(f"{resource_name}.trigger_secret", wf.triggerSecret)
"""

QUICK = {"name": "matrix logger", "description": "d", "definition": QUICKSTART_DEFINITION}


@dataclass(frozen=True)
class Scenario:
    name: str
    run: Callable[[PulumiProject, dict[str, str]], None]


def _create_publishes(p: PulumiProject, seen: dict[str, str]) -> None:
    p.declare({"quick": QUICK})
    p.up()
    out = p.outputs()
    assert out["quick.status"] == "active"
    assert out["quick.trigger_secret"] == "[secret]"
    seen["id"] = out["quick.id"]
    with p.client() as client:
        assert client.get_workflow(seen["id"]).status == "active"


def _noop_preview_makes_no_api_call(p: PulumiProject, seen: dict[str, str]) -> None:
    mark = p.mark()
    p.preview("--expect-no-changes")
    calls = p.calls(since=mark)
    assert (calls.reads, calls.writes) == (0, 0)


def _one_node_change_updates_in_place(p: PulumiProject, seen: dict[str, str]) -> None:
    p.declare({"quick": {**QUICK, "definition": with_message("matrix v2")}})
    up = p.up()
    assert "replace" not in up.stdout
    out = p.outputs()
    assert out["quick.id"] == seen["id"] and out["quick.version"] >= 2


def _foreign_same_name_is_refused_then_adopted(p: PulumiProject, seen: dict[str, str]) -> None:
    with p.client() as client:
        theirs = client.create_workflow("someone else's", "", with_message("theirs"))
    declared = {"quick": {**QUICK, "definition": with_message("matrix v2")}}
    p.declare({**declared, "other": {"name": "someone else's", "definition": QUICKSTART_DEFINITION}})
    mark = p.mark()
    at_preview = p.preview(check=False)  # the conflict is known before anything is written
    text = " ".join(at_preview.output.split())
    assert at_preview.returncode != 0 and theirs.id in text and "adopt" in text, at_preview.output
    assert p.calls(since=mark).writes == 0
    refused = p.up(check=False)
    # Both providers: the ownership rule (made elsewhere: no owner) names it and how to adopt it.
    text = " ".join(refused.output.split())
    assert refused.returncode != 0 and theirs.id in text and "adopt" in text, refused.output
    if seen["provider"] == "native":  # known difference: the dynamic host appends a Python traceback
        assert "Traceback" not in refused.output
    p.declare(
        {
            **declared,
            "other": {"name": "someone else's", "definition": QUICKSTART_DEFINITION, "adopt_by_name": True},
        }
    )
    p.up()
    assert p.outputs()["other.id"] == theirs.id
    with p.client() as client:
        names = [w.name for w in client.list_workflows().items]
    assert sorted(names) == ["matrix logger", "someone else's"]  # nothing duplicated
    p.declare(declared)
    p.up()


def _refresh_sees_an_out_of_band_edit(p: PulumiProject, seen: dict[str, str]) -> None:
    with p.client() as client:
        current = client.get_workflow(seen["id"])
        edited = client.update_workflow(
            seen["id"], definition=with_message("edited elsewhere"), expected_current_version=current.version
        )
        client.publish(seen["id"], expected_version=edited.version)
    p.refresh()
    assert p.preview("--expect-no-changes", check=False).returncode != 0
    p.up()
    p.preview("--expect-no-changes")


def _unreachable_api_preview_warns_validation_was_skipped(p: PulumiProject, seen: dict[str, str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"  # closed once the block ends
    p.declare({"quick": {**QUICK, "definition": with_message("matrix v3, offline")}})
    p.run("config", "set", "b3os:apiUrl", url)
    try:
        offline = p.preview(check=False)
    finally:
        p.run("config", "set", "b3os:apiUrl", p.server.url)
    text = " ".join(offline.output.split())
    assert "server validation skipped" in text and url in text and "local validator only" in text, (
        offline.output
    )
    assert "Traceback" not in offline.output or seen["provider"] == "dynamic"
    p.declare({"quick": {**QUICK, "definition": with_message("matrix v2")}})  # back to what is applied


def _refresh_of_a_paused_then_resumed_workflow_shows_no_false_diff(
    p: PulumiProject, seen: dict[str, str]
) -> None:
    with p.client() as client:
        client.pause(seen["id"])
    p.refresh()
    drift = p.preview("--diff", check=False)
    assert "paused" in drift.stdout, drift.stdout  # the real drift: the state
    for line in drift.stdout.splitlines():
        changed = line.strip().startswith(("+", "-")) and ("payload" in line or "children" in line)
        assert not changed, (line, drift.stdout)  # the spelled-out empties are no change
    p.up()  # resumes it
    p.refresh()
    mark = p.mark()
    p.preview("--expect-no-changes", "--diff")
    assert p.calls(since=mark).writes == 0


def _destroy_archives_and_up_reuses(p: PulumiProject, seen: dict[str, str]) -> None:
    p.destroy()
    with p.client() as client:
        assert client.get_workflow(seen["id"]).status == "archived"
    p.up()  # the archived same-named workflow is unarchived, not duplicated
    assert p.outputs()["quick.id"] == seen["id"]
    p.destroy()


SCENARIOS = (
    Scenario("create publishes", _create_publishes),
    Scenario("no-op preview makes no API call", _noop_preview_makes_no_api_call),
    Scenario("a one-node change is an in-place update", _one_node_change_updates_in_place),
    Scenario(
        "a same-named foreign workflow is refused, then adopted by name",
        _foreign_same_name_is_refused_then_adopted,
    ),
    Scenario("refresh sees an out-of-band edit; up restores it", _refresh_sees_an_out_of_band_edit),
    Scenario(
        "a preview that cannot reach the API says server validation was skipped",
        _unreachable_api_preview_warns_validation_was_skipped,
    ),
    Scenario(
        "refresh of a paused, then resumed workflow shows no false definition diff",
        _refresh_of_a_paused_then_resumed_workflow_shows_no_false_diff,
    ),
    Scenario("destroy archives; up again reuses the archived workflow", _destroy_archives_and_up_reuses),
)


def _import_option_adopts_without_a_write(p: PulumiProject) -> None:
    """Native only (a dynamic provider cannot import): ResourceOptions(import_=…) from Python."""
    with p.client() as client:
        theirs = client.create_workflow("imported in python", "", with_message("made by the API"))
        client.publish(theirs.id)
    p.declare(
        {
            "legacy": {
                "name": "imported in python",
                "definition": with_message("made by the API"),
                "import_id": theirs.id,
            }
        }
    )
    mark = p.mark()
    up = p.up()
    assert "imported" in up.stdout.lower()
    assert p.outputs()["legacy.id"] == theirs.id
    p.preview("--expect-no-changes")
    assert p.calls(since=mark).writes == 0
    p.destroy()


@pytest.mark.parametrize("provider", ["dynamic", "native"])
def test_both_providers_behave_the_same(provider: str, project: PulumiProject) -> None:
    if provider == "native":
        (project.dir / "__main__.py").write_text(NATIVE_PROGRAM)
    seen: dict[str, str] = {"provider": provider}
    for scenario in SCENARIOS:  # in order: each starts from the state the previous one left
        try:
            scenario.run(project, seen)
        except AssertionError as exc:
            raise AssertionError(f"[{provider}] {scenario.name}: {exc}") from None
    if provider == "native":
        _import_option_adopts_without_a_write(project)
