"""Facts of the B3OS wire that need no HTTP library: the base-URL policy, the page size, the
client-chosen run ids. ``b3os.client`` imports these at module level; httpx and the transport load
when a ``Client`` is built (``import b3os.client, b3os.models`` stays under 100 ms, issue 14)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from b3os.errors import ConfigError

__all__ = ["MAX_PAGE_SIZE", "check_base_url", "new_run_id"]

MAX_PAGE_SIZE = 100


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """Return the normalized base URL or raise ConfigError: https anywhere, plain http only to loopback."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(
            f"invalid B3OS base URL {url!r}: expected https://host[:port] "
            "(set base_url= or B3OS_API_URL, e.g. https://api.b3os.org)"
        )
    if parts.scheme == "http" and not _is_loopback(host):
        raise ConfigError(
            f"refusing plain http:// to {host!r}: the API key would travel unencrypted. "
            "Use https://, or http:// only for a loopback host (localhost, 127.0.0.0/8, ::1)"
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"invalid B3OS base URL {url!r}: it must not carry a query string or fragment")
    return url.strip().rstrip("/")


def new_run_id() -> str:
    """A fresh client-chosen run id (``run_`` + 24 hex chars), matching ``^run_\\w+$``."""
    return "run_" + os.urandom(12).hex()  # os.urandom is the CSPRNG `secrets` wraps, minus its import cost
