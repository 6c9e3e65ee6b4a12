"""One owner, nothing lost (issues 13 and 18 items 1-3): the CLI directory's ownership record,
conflicts at plan time naming the owner, explicit adopt, prune, rename, and create races."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from b3os.cli.jsonout import PLAN_SCHEMA
from b3os.client import Client
from b3os.errors import ConfigError, ConflictError, TransportError
from b3os.local import LocalServer
from b3os.workflow import WorkflowSpec, ensure, plan, read
from b3os.workflow.owner import marked, owner_of
from b3os.workflow.state import state_of
from tests.reliability.helpers import definition, run_cli, spawn_cli, write_spec, write_specs, writes


def _owner(api: Client, wf_id: str) -> str | None:
    return owner_of(api.get_workflow(wf_id).model_dump(by_alias=True))


def _record(directory: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((directory / "b3os.lock.json").read_text())
    return doc


def _live(api: Client) -> list[Any]:
    return [w for w in api.iter_workflows()]


def test_ui_metadata_patch_changes_no_version_and_keeps_unknown_keys(local: LocalServer, api: Client) -> None:
    wf = api.create_workflow("meta", "d", definition())
    api.set_ui_metadata(wf.id, {"nodePositions": {"root": [1, 2]}, "b3osIac": {"owner": "dir:x"}})
    again = api.get_workflow(wf.id)
    assert again.version == wf.version and api.list_versions(wf.id).items[0].version == wf.version
    assert again.ui_metadata == {"nodePositions": {"root": [1, 2]}, "b3osIac": {"owner": "dir:x"}}
    with pytest.raises(ConflictError):
        api.set_ui_metadata(wf.id, {}, expected_current_version=(wf.version or 0) + 1)


def test_a_directory_owns_what_it_creates_and_another_directory_gets_a_conflict_at_plan(
    local: LocalServer, api: Client, tmp_path: Path
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write_specs(a, 2, prefix="shared")
    write_specs(b, 2, prefix="shared")
    assert run_cli(["apply", str(a)], url=local.url, key=local.api_key).code == 0
    owner_a = _record(a)["owner"]
    ids = {entry["id"] for entry in _record(a)["resources"].values()}
    assert owner_a.startswith("dir:") and {_owner(api, i) for i in ids} == {owner_a}

    since = len(local.requests())
    refused = run_cli(["plan", str(b)], url=local.url, key=local.api_key)
    assert refused.code == 1 and refused.err.count(owner_a) == 2, refused.text  # both files named
    assert "b3os adopt" in refused.err and "Traceback" not in refused.text
    assert run_cli(["apply", str(b)], url=local.url, key=local.api_key).code == 1
    assert writes(local, since) == 0

    # An explicit adopt moves ownership; the plan shows it as adopt; the old owner now conflicts.
    adopted = run_cli(["adopt", str(b / "shared-000.json")], url=local.url, key=local.api_key)
    assert adopted.code == 0 and "adopt" in adopted.out, adopted.text
    owner_b = _record(b)["owner"]
    adopted_id = _record(b)["resources"]["shared-000.json"]["id"]
    assert adopted_id in ids and _owner(api, adopted_id) == owner_b
    back = run_cli(["plan", str(a)], url=local.url, key=local.api_key)
    assert back.code == 1 and owner_b in back.err
    assert len(_live(api)) == 2  # nothing was duplicated along the way


def test_a_hand_made_workflow_is_taken_over_only_with_an_id_in_the_file(
    local: LocalServer, api: Client, tmp_path: Path
) -> None:
    made = api.create_workflow("by hand", "", definition("by hand: {{$trigger.body.message}}"))
    path = write_spec(tmp_path, "by hand")
    refused = run_cli(["plan", str(tmp_path)], url=local.url, key=local.api_key)
    assert refused.code == 1 and "no owner" in refused.err and made.id in refused.err
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "id": made.id}))
    planned = run_cli(["plan", str(tmp_path)], url=local.url, key=local.api_key)
    assert planned.code == 2 and "adopt" in planned.out, planned.text
    assert run_cli(["apply", str(tmp_path)], url=local.url, key=local.api_key).code == 0
    assert _owner(api, made.id) == _record(tmp_path)["owner"]
    since = len(local.requests())
    assert run_cli(["apply", str(tmp_path)], url=local.url, key=local.api_key).code == 0
    assert writes(local, since) == 0


def test_state_archived_never_archives_a_workflow_owned_elsewhere(
    local: LocalServer, api: Client, tmp_path: Path
) -> None:
    theirs = ensure(api, WorkflowSpec.build(name="theirs", definition=definition(), owner="pulumi:p/prod"))
    assert theirs.state is not None
    write_spec(tmp_path, "theirs", state="archived")
    result = run_cli(["apply", str(tmp_path)], url=local.url, key=local.api_key)
    assert result.code == 1 and "pulumi:p/prod" in result.err and "archive" in result.err
    assert api.get_workflow(theirs.state.id).status == "active"


def test_prune_archives_exactly_the_removed_files_and_nothing_it_does_not_own(
    local: LocalServer, api: Client, tmp_path: Path
) -> None:
    names = write_specs(tmp_path, 20, prefix="p")
    assert run_cli(["apply", str(tmp_path)], url=local.url, key=local.api_key).code == 0
    by_hand = api.create_workflow("p-999", "", definition())  # same name pattern, made in the app
    removed = names[3:6]
    for name in removed:
        (tmp_path / f"{name}.json").unlink()

    listed = run_cli(["plan", str(tmp_path)], url=local.url, key=local.api_key)
    assert listed.code == 0, listed.text  # without --prune: listed, not changed
    assert "Owned but not declared (3)" in listed.out and all(n in listed.out for n in removed)
    planned = run_cli(["plan", "--prune", str(tmp_path)], url=local.url, key=local.api_key)
    assert planned.code == 2 and planned.out.count("archive (file removed)") == 3, planned.text
    assert all(n in planned.out for n in removed)
    # a pipeline sees the same through --json (schema b3os.plan/1): listed, and with --prune planned
    for flags, action in ((["plan", "--json"], "none"), (["plan", "--json", "--prune"], "archive")):
        shown = run_cli([*flags, str(tmp_path)], url=local.url, key=local.api_key)
        doc = json.loads(shown.out)
        jsonschema.validate(doc, PLAN_SCHEMA)
        assert sorted(u["name"] for u in doc["undeclared"]) == sorted(removed), doc
        assert {u["action"] for u in doc["undeclared"]} == {action}
        archives = [e for e in doc["resources"] if e["actions"] == ["archive"]]
        assert sorted(e["name"] for e in archives) == (sorted(removed) if action == "archive" else [])
        assert doc["summary"]["changed"] == len(archives)

    since = len(local.requests())
    assert run_cli(["apply", "--prune", str(tmp_path)], url=local.url, key=local.api_key).code == 0
    assert writes(local, since) == 3
    archived = {w.name for w in api.iter_workflows(status="archived")}
    assert archived == set(removed)
    assert api.get_workflow(by_hand.id).status == "draft"
    assert set(_record(tmp_path)["resources"]) == {f"{n}.json" for n in names if n not in removed}
    since = len(local.requests())
    assert run_cli(["plan", "--prune", str(tmp_path)], url=local.url, key=local.api_key).code == 0
    assert writes(local, since) == 0


def test_renaming_name_in_a_file_updates_the_same_workflow(
    local: LocalServer, api: Client, tmp_path: Path
) -> None:
    path = write_spec(tmp_path, "old name")
    assert run_cli(["apply", str(tmp_path)], url=local.url, key=local.api_key).code == 0
    wf_id = _record(tmp_path)["resources"]["old name.json"]["id"]
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "name": "new name"}))
    planned = run_cli(["plan", str(tmp_path)], url=local.url, key=local.api_key)
    assert planned.code == 2 and "update" in planned.out and "new name" in planned.out, planned.text
    assert run_cli(["apply", str(tmp_path)], url=local.url, key=local.api_key).code == 0
    assert [(w.id, w.name) for w in _live(api)] == [(wf_id, "new name")]


# -- races (issue 18, items 1-3) ---------------------------------------------------------------


def test_archived_same_named_rows_next_to_one_live_row_are_no_ambiguity(api: Client) -> None:
    first = api.create_workflow("twice", "", definition())
    api.archive_workflow(first.id)
    second = api.create_workflow("twice", "", definition())
    state = read(api, WorkflowSpec.build(name="twice"))
    assert state is not None and state.id == second.id
    api.create_workflow("twice", "", definition())
    with pytest.raises(ConfigError, match="2 workflows are named 'twice'"):
        read(api, WorkflowSpec.build(name="twice"))


def test_a_create_retry_publishes_only_what_its_own_post_created(api: Client, local: LocalServer) -> None:
    spec = WorkflowSpec.build(name="retried", definition=definition(), owner="dir:me")
    real = api.create_workflow
    other = Client(base_url=local.url, api_key=local.api_key)

    def someone_else_first(*args: Any, **kwargs: Any) -> Any:
        other.create_workflow("retried", "", definition("someone else"))
        raise TransportError("connection reset (injected)")

    api.create_workflow = someone_else_first  # type: ignore[method-assign]
    try:
        with pytest.raises(ConflictError, match="did not create"):
            ensure(api, spec)
    finally:
        api.create_workflow = real  # type: ignore[method-assign]
        other.close()
    assert not any(e["path"].endswith("/publish") for e in local.requests())
    (only,) = _live(api)
    assert only.status == "draft"

    # Our own POST landed but its answer was lost: the retry finds our nonce and goes on.
    def lands_then_fails(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise TransportError("connection reset after the write (injected)")

    api.create_workflow = lands_then_fails  # type: ignore[method-assign]
    try:
        result = ensure(api, WorkflowSpec.build(name="mine", definition=definition(), owner="dir:me"))
    finally:
        api.create_workflow = real  # type: ignore[method-assign]
    assert result.state is not None and result.state.status == "active"
    assert [w.name for w in _live(api)].count("mine") == 1


def test_the_later_of_two_concurrent_creators_archives_its_copy(api: Client, local: LocalServer) -> None:
    spec = WorkflowSpec.build(name="raced", definition=definition(), owner="dir:me")
    the_plan = plan(spec, None)  # planned before the other creator's POST landed
    earlier = api.create_workflow("raced", "", definition(), ui_metadata=marked(None, "dir:other"))
    from b3os.workflow import apply

    with pytest.raises(ConflictError, match=f"another run created it at the same time \\({earlier.id}\\)"):
        apply(api, the_plan)
    assert [w.id for w in _live(api)] == [earlier.id]
    assert not any(e["path"].endswith("/publish") for e in local.requests())


def test_a_kill_between_publish_and_pause_is_repaired_first_by_the_next_plan(api: Client) -> None:
    spec = WorkflowSpec.build(name="paused one", definition=definition(), state="paused")
    row = api.create_workflow("paused one", "", definition())
    api.publish(row.id)  # the run died here: active, content right, pause not sent
    wire = api.get_workflow(row.id).model_dump(by_alias=True, exclude_none=True, mode="json")
    assert plan(spec, state_of(wire, wire)).action_names == ["pause"]


@pytest.mark.parametrize("rounds", [3, pytest.param(10, marks=pytest.mark.slow)])
@pytest.mark.parametrize("layout", ["same directory", "overlapping directories"])
def test_concurrent_applies_of_new_workflows_leave_no_duplicate(
    local: LocalServer, api: Client, tmp_path: Path, layout: str, rounds: int
) -> None:
    for r in range(rounds):
        local.reset()
        base = tmp_path / f"round-{r}"
        one = base / "one"
        two = one if layout == "same directory" else base / "two"
        write_specs(one, 20, prefix="c")
        if two != one:
            write_specs(two, 10, prefix="c")  # c-000..c-009 declared by both
        procs = [
            spawn_cli(["apply", str(d)], url=local.url, key=local.api_key, log=base / f"{i}.log")
            for i, d in enumerate((one, two))
        ]
        codes = [p.wait(timeout=120) for p in procs]
        logs = [(base / f"{i}.log").read_text() for i in range(2)]
        names = [w.name for w in api.iter_workflows()]
        assert len(names) == len(set(names)), (codes, logs)  # no duplicate left live
        # one directory's plan may meet the other's workflows: a conflict at plan, nothing written
        assert len(names) == 20 or (layout == "overlapping directories" and sorted(codes) == [0, 1]), names
        for code, log in zip(codes, logs, strict=True):
            assert "Traceback" not in log
            assert code == 0 or "c-0" in log, log  # a failure names the workflow
        if layout == "same directory":
            assert codes == [0, 0], logs  # the second waited for the directory lock
        since = len(local.requests())
        for d in {one, two}:
            again = run_cli(["apply", str(d)], url=local.url, key=local.api_key)
            assert again.code in (0, 1)
        assert writes(local, since) == 0 or layout == "overlapping directories"
        since = len(local.requests())
        for d in {one, two}:
            run_cli(["apply", str(d)], url=local.url, key=local.api_key)
        assert writes(local, since) == 0
