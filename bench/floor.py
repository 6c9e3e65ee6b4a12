"""The floor: the fewest HTTP calls any tool must make for each step, with plain httpx.

It knows what changed (a real tool has to find out, which costs reads): create + publish per
new workflow, nothing for a no-op, one PUT + publish for a changed workflow, one pause and one
DELETE (archive) per workflow. Ids are kept in a state file between steps, as a tool's state
would be. Only httpx is imported, so its start-up is the cheapest any Python tool can have.

Usage: ``python bench/floor.py STEP FLEET.json STATE.json`` with B3OS_API_URL / B3OS_API_KEY set.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx


def _ok(response: httpx.Response) -> Any:
    response.raise_for_status()
    return response.json().get("data")


def main(step: str, fleet_file: Path, state_file: Path) -> int:
    fleet: list[dict[str, Any]] = json.loads(fleet_file.read_text(encoding="utf-8"))
    ids: dict[str, str] = json.loads(state_file.read_text()) if state_file.exists() else {}
    headers = {"Authorization": f"Bearer {os.environ['B3OS_API_KEY']}"}
    with httpx.Client(base_url=os.environ["B3OS_API_URL"], headers=headers, timeout=60.0) as http:
        if step == "create":
            for wf in fleet:
                body = {k: wf[k] for k in ("name", "description", "definition")}
                ids[wf["name"]] = _ok(http.post("/v1/workflows", json=body))["id"]
                _ok(http.post(f"/v1/workflows/{ids[wf['name']]}/publish"))
        elif step == "change":  # only the first workflow's definition changes
            wf = fleet[0]
            _ok(http.put(f"/v1/workflows/{ids[wf['name']]}", json={"definition": wf["definition"]}))
            _ok(http.post(f"/v1/workflows/{ids[wf['name']]}/publish"))
        elif step == "pause":
            for wf in fleet:
                _ok(http.post(f"/v1/workflows/{ids[wf['name']]}/pause"))
        elif step == "archive":
            for wf in fleet:
                _ok(http.delete(f"/v1/workflows/{ids[wf['name']]}"))
        elif step != "noop":
            print(f"unknown step {step!r}", file=sys.stderr)
            return 2
    state_file.write_text(json.dumps(ids))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))
