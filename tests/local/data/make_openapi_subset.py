"""Regenerate b3os-openapi-subset.json: the implemented operations of the B3OS OpenAPI spec
(shared/spec/b3os-openapi.json, 870 KB) plus every schema they reference, nothing else.

    python tests/local/data/make_openapi_subset.py /path/to/b3os-openapi.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

IMPLEMENTED: dict[str, tuple[str, ...]] = {
    "/v1/workflows": ("get", "post"),
    "/v1/workflows/validate": ("post",),
    "/v1/workflows/{id}": ("get", "put", "delete"),
    "/v1/workflows/{id}/unarchive": ("post",),
    "/v1/workflows/{id}/publish": ("post",),
    "/v1/workflows/{id}/pause": ("post",),
    "/v1/workflows/{id}/resume": ("post",),
    "/v1/workflows/{id}/draft": ("get", "delete"),
    "/v1/workflows/{id}/live": ("get",),
    "/v1/workflows/{id}/versions": ("get",),
    "/v1/workflows/{id}/versions/count": ("get",),
    "/v1/workflows/{id}/versions/{versionNumber}": ("get",),
    "/v1/workflows/{id}/rollback": ("post",),
    "/v1/workflows/{id}/trigger-info": ("get",),
    "/v1/workflows/{id}/visibility": ("put",),
    "/v1/workflows/{id}/run": ("post",),
    "/v1/workflows/{id}/runs": ("get",),
    "/v1/workflows/{id}/runs/stream": ("get",),
    "/v1/runs": ("get", "post"),
    "/v1/runs/{id}": ("get",),
    "/v1/runs/{id}/cancel": ("post",),
    "/v1/runs/{id}/retry": ("post",),
    "/v1/runs/{id}/nodes/{nodeId}/resume": ("post",),
    "/v1/runs/{id}/stream": ("get",),
    "/v1/runs/sync": ("post",),
    "/v1/organizations": ("get",),
    "/v1/workflows/{id}/schedule": ("get",),
    "/v1/workflows/{id}/analyze-funds": ("get",),
    "/v1/actions": ("get",),
    "/v1/actions/{type}": ("get",),
    "/v1/actions/{type}/run": ("post",),
    "/v1/triggers": ("get",),
    "/v1/triggers/{type}": ("get",),
    "/v1/logic-actions": ("get",),
    "/v1/connector-types": ("get",),
    "/v1/connector-types/{type}": ("get",),
}


def refs(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {value["$ref"].rsplit("/", 1)[1]} if isinstance(value.get("$ref"), str) else set()
        return found.union(*(refs(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(refs(v) for v in value))
    return set()


def main(source: str) -> None:
    spec = json.loads(Path(source).read_text())
    paths = {p: {m: spec["paths"][p][m] for m in methods} for p, methods in IMPLEMENTED.items()}
    schemas = spec["components"]["schemas"]
    todo, seen = refs(paths), set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo |= refs(schemas[name])
    subset = {
        "openapi": spec["openapi"],
        "info": {
            **spec["info"],
            "x-subset-of": "shared/spec/b3os-openapi.json (implemented operations only)",
        },
        "paths": paths,
        "components": {"schemas": {n: schemas[n] for n in sorted(seen)}},
    }
    out = Path(__file__).with_name("b3os-openapi-subset.json")
    out.write_text(json.dumps(subset, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
