"""The floor: the fewest HTTP calls any tool must make for each step, with plain httpx.

It knows what changed (a real tool has to find out, which costs reads): create + publish per
new workflow; for a no-op, the organization's listing (pages of 100) and one GET per workflow
(a listing item carries no definition, so a tool that compares content must fetch each one);
one PUT + publish for a changed workflow, one pause and one DELETE (archive) per workflow. Ids
are kept in a state file between steps, as a tool's state would be. Only httpx is imported, so
its start-up is the cheapest any Python tool can have.

Each workflow's own requests stay in order; different workflows run ``--parallel K`` at a time
(default 10, like ``b3os apply --parallelism``; ``--parallel 1`` is the sequential floor).

Usage: ``python bench/floor.py STEP FLEET.json STATE.json [--parallel K]`` with B3OS_API_URL /
B3OS_API_KEY set.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

PAGE = 100  # the API's largest page


def _ok(response: httpx.Response) -> Any:
    response.raise_for_status()
    return response.json().get("data")


def _each(parallel: int, items: list[Any], work: Callable[[Any], Any]) -> list[Any]:
    if parallel <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(work, items))


def main(step: str, fleet_file: Path, state_file: Path, parallel: int = 10) -> int:
    fleet: list[dict[str, Any]] = json.loads(fleet_file.read_text(encoding="utf-8"))
    ids: dict[str, str] = json.loads(state_file.read_text()) if state_file.exists() else {}
    headers = {"Authorization": f"Bearer {os.environ['B3OS_API_KEY']}"}
    limits = httpx.Limits(max_connections=max(parallel, 1), max_keepalive_connections=max(parallel, 1))
    with httpx.Client(
        base_url=os.environ["B3OS_API_URL"], headers=headers, timeout=60.0, limits=limits
    ) as http:

        def create(wf: dict[str, Any]) -> tuple[str, str]:
            body = {k: wf[k] for k in ("name", "description", "definition")}
            wid = _ok(http.post("/v1/workflows", json=body))["id"]
            _ok(http.post(f"/v1/workflows/{wid}/publish"))
            return wf["name"], wid

        if step == "create":
            ids.update(_each(parallel, fleet, create))
        elif step == "noop":
            offset = 0
            while True:  # the listing pages are sequential (each says whether there is a next)
                page = _ok(http.get("/v1/workflows", params={"limit": PAGE, "offset": offset}))
                offset += PAGE
                if not page.get("hasMore"):
                    break
            _each(parallel, [ids[wf["name"]] for wf in fleet], lambda i: _ok(http.get(f"/v1/workflows/{i}")))
        elif step == "change":  # only the first workflow's definition changes
            wf = fleet[0]
            _ok(http.put(f"/v1/workflows/{ids[wf['name']]}", json={"definition": wf["definition"]}))
            _ok(http.post(f"/v1/workflows/{ids[wf['name']]}/publish"))
        elif step == "pause":
            _each(parallel, fleet, lambda wf: _ok(http.post(f"/v1/workflows/{ids[wf['name']]}/pause")))
        elif step == "archive":
            _each(parallel, fleet, lambda wf: _ok(http.delete(f"/v1/workflows/{ids[wf['name']]}")))
        else:
            print(f"unknown step {step!r}", file=sys.stderr)
            return 2
    state_file.write_text(json.dumps(ids))
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    k = 10
    if "--parallel" in args:
        at = args.index("--parallel")
        k = int(args[at + 1])
        del args[at : at + 2]
    sys.exit(main(args[0], Path(args[1]), Path(args[2]), k))
