"""The ownership rules of the pure plan (docs/internals.md, "Ownership")."""

from __future__ import annotations

import pytest

from b3os.workflow import WorkflowSpec, plan
from b3os.workflow.owner import OwnershipError, marked, owner_of
from b3os.workflow.state import state_of
from tests.support import QUICKSTART_DEFINITION


def _state(owner: str | None, status: str = "active") -> object:
    row = {
        "id": "wf_x",
        "version": 1,
        "status": status,
        "name": "n",
        "description": "",
        "definition": QUICKSTART_DEFINITION,
        "uiMetadata": marked(None, owner) if owner else {"nodePositions": {}},
    }
    return state_of(row, row if status in ("active", "paused") else None)


def _spec(**kw: object) -> WorkflowSpec:
    return WorkflowSpec.build(
        name="n", description="", definition=QUICKSTART_DEFINITION, owner="dir:me", **kw
    )  # type: ignore[arg-type]


def test_ours_plans_normally_and_no_owner_rule_without_an_owner() -> None:
    assert plan(_spec(), _state("dir:me")).action_names == []  # type: ignore[arg-type]
    unowned = WorkflowSpec.build(name="n", description="", definition=QUICKSTART_DEFINITION)
    assert plan(unowned, _state("pulumi:p/s")).action_names == []  # type: ignore[arg-type]


@pytest.mark.parametrize("owner", ["pulumi:p/s", None])
def test_another_owner_or_none_is_a_conflict_naming_it(owner: str | None) -> None:
    with pytest.raises(OwnershipError, match="p/s" if owner else "no owner") as info:
        plan(_spec(), _state(owner))  # type: ignore[arg-type]
    assert info.value.workflow_id == "wf_x" and info.value.owner == owner


def test_an_explicit_adopt_is_an_adopt_action_first_and_shows_in_the_diff() -> None:
    the_plan = plan(_spec(adopt=True), _state("pulumi:p/s"))  # type: ignore[arg-type]
    assert the_plan.action_names == ["adopt"]
    assert the_plan.diff.changed == ["owner"] and the_plan.diff.after["owner"] == "dir:me"
    assert plan(_spec(adopt_unowned=True), _state(None)).action_names == ["adopt"]  # type: ignore[arg-type]
    with pytest.raises(OwnershipError):
        plan(_spec(adopt_unowned=True), _state("pulumi:p/s"))  # type: ignore[arg-type]


def test_archiving_never_touches_another_owners_workflow() -> None:
    with pytest.raises(OwnershipError, match="will not archive"):
        plan(_spec(state="archived"), _state("pulumi:p/s"))  # type: ignore[arg-type]
    assert plan(_spec(state="archived"), _state("pulumi:p/s", "archived")).action_names == []  # type: ignore[arg-type]
    assert plan(_spec(state="archived", adopt_unowned=True), _state(None)).action_names == ["archive"]  # type: ignore[arg-type]


def test_the_marker_keeps_every_other_ui_metadata_key() -> None:
    meta = marked({"nodePositions": {"root": [1, 2]}, "comments": ["c"]}, "dir:me", "n1")
    assert meta["nodePositions"] == {"root": [1, 2]} and meta["comments"] == ["c"]
    assert owner_of({"uiMetadata": meta}) == "dir:me" and owner_of({"uiMetadata": {"b3osIac": "x"}}) is None
