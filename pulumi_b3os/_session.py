"""One B3OS client per provider process, built lazily from stack config or the environment.

The provider object itself is pickled into the Pulumi state (``__provider``), so it must hold
neither credentials nor a client: a client holds an SSL context (unpicklable) and a key in the
state would be a leak. ``configure()`` hands the stack config here instead; the engine serves
every Workflow of a stack from one provider process with up to four gRPC threads, so the client
is created once, under a lock, and shared (``b3os.client.Client`` is thread-safe).
"""

from __future__ import annotations

import threading

from b3os.client import Client
from b3os.errors import ConfigError

__all__ = ["Session", "session"]

CONFIG_URL = "b3os:apiUrl"
CONFIG_KEY = "b3os:apiKey"


class Session:
    """Credentials handed over by ``configure()`` and the lazily built client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._url: str | None = None
        self._key: str | None = None
        self._client: Client | None = None

    def configure(self, *, api_url: str | None, api_key: str | None) -> None:
        """Stack config wins; ``None`` falls back to B3OS_API_URL / B3OS_API_KEY at first use."""
        with self._lock:
            if (api_url, api_key) == (self._url, self._key):
                return
            self._url, self._key = api_url or None, api_key or None
            old, self._client = self._client, None
        if old is not None:
            old.close()

    def client(self) -> Client:
        with self._lock:
            if self._client is None:
                try:
                    self._client = Client(base_url=self._url, api_key=self._key)
                except ConfigError as exc:
                    raise ConfigError(
                        f"{exc}. With Pulumi: pulumi config set --secret {CONFIG_KEY} <key> "
                        f"(and pulumi config set {CONFIG_URL} <url>), or export B3OS_API_KEY / B3OS_API_URL"
                    ) from None
            return self._client

    def close(self) -> None:
        with self._lock:
            old, self._client = self._client, None
        if old is not None:
            old.close()


# The one session of this provider process (a module global is never pickled into the state).
session = Session()
