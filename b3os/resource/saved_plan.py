"""Saved plans, Terraform style: ``b3os plan DIR --out plan.json`` then ``b3os apply plan.json``.

A saved plan records, per object, what the plan was made against: the file's SHA-256, the id, the
version/status/live version/owner read (workflows; a digest of the read outputs for the other
kinds) and the planned actions. ``apply plan.json`` reads and plans again and applies only if
every one of those is unchanged — otherwise it refuses, names what changed, and writes nothing
(the optimistic locking of each write then guards the moments between that check and the write).
No secret is in the file: only ids, versions, digests and action names.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from b3os.errors import ConfigError

__all__ = ["SAVED_PLAN_KEY", "compare", "is_saved_plan", "load", "save", "snapshot"]

SAVED_PLAN_KEY = "b3os_saved_plan"
VERSION = 1


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _state_of(kind: Any, state: Any) -> dict[str, Any]:
    if state is None:
        return {"exists": False}
    if kind.name == "workflow":
        return {
            "id": state.id,
            "version": state.version,
            "status": state.status,
            "live_version": state.live_version,
            "has_draft": state.has_draft,
            "owner": state.owner,
        }
    return {"id": getattr(state, "id", None), "digest": _digest(kind.outputs(state))}


def snapshot(planned: Sequence[Any]) -> list[dict[str, Any]]:
    """What each plan was made against (``planned``: ``b3os.resource.fleet.Planned``)."""
    items = []
    for p in planned:
        path = Path(p.path)
        items.append(
            {
                "file": path.name,
                "file_sha256": hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None,
                "kind": p.declared.kind.name,
                "label": p.declared.kind.label(p.declared.spec),
                "state": _state_of(p.declared.kind, p.plan.state),
                "actions": list(p.plan.action_names),
            }
        )
    return items


def save(path: Path, directory: Path, owner: str, prune: bool, items: list[dict[str, Any]]) -> None:
    doc = {
        SAVED_PLAN_KEY: VERSION,
        "directory": str(directory),
        "owner": owner,
        "prune": prune,
        "items": items,
    }
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def is_saved_plan(paths: Sequence[str | Path]) -> bool:
    if len(paths) != 1 or Path(paths[0]).suffix != ".json" or not Path(paths[0]).is_file():
        return False
    try:
        doc = json.loads(Path(paths[0]).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return False  # not a saved plan: the resource loader reports what is wrong with the file
    return isinstance(doc, dict) and SAVED_PLAN_KEY in doc


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if doc.get(SAVED_PLAN_KEY) != VERSION or not isinstance(doc.get("items"), list):
        raise ConfigError(
            f"{path}: not a saved plan of this b3os version; make it again with `b3os plan DIR --out FILE`"
        )
    return doc


def compare(saved: list[dict[str, Any]], now: list[dict[str, Any]]) -> list[str]:
    """What changed since the plan was made, one line per object (empty: apply exactly that plan)."""
    before = {(i["kind"], i["file"]): i for i in saved}
    after = {(i["kind"], i["file"]): i for i in now}
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old is None or new is None:
            changes.append(f"{key[1]}: {'added' if old is None else 'removed'} since the plan was made")
            continue
        if old["file_sha256"] != new["file_sha256"]:
            changes.append(f"{key[1]}: the file changed since the plan was made")
        elif old["state"] != new["state"]:
            diff = [
                k
                for k in sorted(set(old["state"]) | set(new["state"]))
                if old["state"].get(k) != new["state"].get(k)
            ]
            what = ", ".join(f"{k} {old['state'].get(k)!r} -> {new['state'].get(k)!r}" for k in diff)
            changes.append(
                f"{new['kind']} {new['label']} ({key[1]}) changed on the server since the plan was made: {what}"
            )
        elif old["actions"] != new["actions"]:
            changes.append(f"{key[1]}: the plan would now be {new['actions']} instead of {old['actions']}")
    return changes
