"""The B3OS response envelopes as raw JSON bytes (cheap: no pydantic on the hot path)."""

from __future__ import annotations

import secrets
from typing import Any

from b3os.local.util import dumps

__all__ = ["error_body", "new_request_id", "success_body"]


def new_request_id() -> str:
    return "req_" + secrets.token_hex(8)


def success_body(data: Any, request_id: str) -> bytes:
    """``{code:200, message:"success", data, requestId}`` (§3.1)."""
    return dumps({"code": 200, "message": "success", "data": data, "requestId": request_id}).encode()


def error_body(code: int, message: str, details: list[Any], request_id: str) -> bytes:
    """``{code, message, details, requestId}`` (§3.2); details is never null (G10)."""
    return dumps({"code": code, "message": message, "details": details, "requestId": request_id}).encode()
