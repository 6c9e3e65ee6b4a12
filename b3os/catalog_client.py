"""Read a server's public node catalog (``GET /v1/actions``, ``/v1/triggers``): no API key needed.

Tiny on purpose: plain httpx plus the client's own URL check and envelope/error translation, so a
``b3os actions`` against api.b3os.org shows the real service's catalog and one against b3os-local
shows b3os.catalog.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

import httpx

from b3os import _http
from b3os._version import __version__
from b3os.client import DEFAULT_BASE_URL
from b3os.errors import APIError

__all__ = ["fetch_catalog", "fetch_entry"]


def _get(base_url: str | None, path: str, timeout: float) -> Any:
    url = _http.check_base_url(base_url or os.environ.get("B3OS_API_URL") or DEFAULT_BASE_URL)
    headers = {"Accept": "application/json", "User-Agent": f"b3os-iac/{__version__}"}
    try:
        with httpx.Client(base_url=url, timeout=timeout, headers=headers) as http:
            response = http.get(path)
    except httpx.HTTPError as exc:
        raise _http.translate_transport_error(exc, method="GET", path=path) from exc
    if not response.is_success:
        raise _http.error_from_response(response, method="GET", path=path)
    return _http.unwrap(response, method="GET", path=path)


def fetch_entry(node_type: str, *, base_url: str | None = None, timeout: float = 30.0) -> dict[str, Any]:
    """One node type's entry: the action of that type, else the trigger (404 -> APIError)."""
    path = quote(node_type, safe="")
    kind = "action"
    try:
        data = _get(base_url, f"/v1/actions/{path}", timeout)
    except APIError as exc:
        if exc.status_code != 404:
            raise
        kind = "trigger"
        data = _get(base_url, f"/v1/triggers/{path}", timeout)
    if not isinstance(data, dict):
        raise APIError(f"GET /v1/{kind}s/{node_type}: the answer is not an object", status_code=200)
    return {**data, "kind": kind}


def fetch_catalog(*, base_url: str | None = None, timeout: float = 30.0) -> dict[str, dict[str, Any]]:
    """Node type -> entry for every trigger, logic action and action the server lists (``kind`` added)."""
    out: dict[str, dict[str, Any]] = {}
    for kind, path in (
        ("trigger", "/v1/triggers"),
        ("action", "/v1/logic-actions"),
        ("action", "/v1/actions"),
    ):
        try:
            data = _get(base_url, path, timeout)
        except APIError as exc:
            if exc.status_code == 404 and path == "/v1/logic-actions":
                continue  # a server without the logic list: its logic actions are in /v1/actions
            raise
        if not isinstance(data, list):
            raise APIError(f"GET {path}: expected a list of definitions", status_code=200)
        for item in data:
            if isinstance(item, dict) and isinstance(item.get("type"), str):
                out[item["type"]] = {**item, "kind": kind}
    return out
