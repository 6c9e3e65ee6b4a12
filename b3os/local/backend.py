"""The b3os-local backend: organizations and keys, workflows, runs — no HTTP anywhere."""

from __future__ import annotations

import hashlib
import secrets
import threading

from b3os.local.connectors import ConnectorBackend
from b3os.local.delivery import Deliverer
from b3os.local.engine import Engine
from b3os.local.errors import Unauthorized
from b3os.local.events import EventBus
from b3os.local.execution_hooks import ExecutionHookBackend
from b3os.local.runs import RunBackend
from b3os.local.store import Store, hash_key
from b3os.local.util import new_id, now_iso
from b3os.local.variables import VariableBackend
from b3os.local.workflows import Caller, WorkflowBackend

__all__ = ["Backend", "new_api_key", "org_for_key"]


def new_api_key() -> str:
    return "b3sk_" + secrets.token_urlsafe(24)


def org_for_key(api_key: str) -> str:
    """Bootstrap organizations are derived from their first key, so a parent process that
    chose the key knows the org id without asking (LocalServer in subprocess mode)."""
    return "org_" + hashlib.sha256(("org:" + api_key).encode()).hexdigest()[:20]


class Backend:
    def __init__(self, db: str, bootstrap_keys: list[str]) -> None:
        self.store = Store(db)
        self.bus = EventBus()
        self.engine = Engine(self.store, self.bus)
        self.workflows = WorkflowBackend(self.store)
        self.runs = RunBackend(self.store, self.workflows, self.engine)
        self.connectors = ConnectorBackend(self.store)
        self.deliverer = Deliverer(self.store, self.engine.time_scale)
        self.bus.add_listener(self.deliverer.on_event)
        self.execution_hooks = ExecutionHookBackend(self.store, self.deliverer)
        self.variables = VariableBackend(self.store, self.workflows)
        self._keys_lock = threading.Lock()
        self.bootstrap_org: str | None = None
        if bootstrap_keys:
            org = org_for_key(bootstrap_keys[0])
            self.bootstrap_org = org
            self.store.add_org(org, "usr_" + org[4:], now_iso(), bootstrap=True)
            for key in bootstrap_keys:
                self.store.add_key(key, new_id("ak_"), org, bootstrap=True)
        self._keys = self.store.keys()
        self._users: dict[str, str] = {}
        self.runs.recover()

    def create_org(self) -> tuple[str, str]:
        org, key = new_id("org_"), new_api_key()
        self.store.add_org(org, "usr_" + org[4:], now_iso(), bootstrap=False)
        self.store.add_key(key, new_id("ak_"), org, bootstrap=False)
        with self._keys_lock:
            self._keys[hash_key(key)] = org
        return org, key

    def authenticate(self, authorization: str | None) -> Caller:
        """``Authorization: Bearer b3sk_…`` → the key's organization, or 401 (§2)."""
        if not authorization:
            raise Unauthorized("missing API key: send 'Authorization: Bearer b3sk_…'")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("malformed Authorization header: use 'Bearer <api key>'")
        org = self._keys.get(hash_key(token))
        if org is None:
            raise Unauthorized("invalid API key")
        user = self._users.get(org)
        if user is None:
            user = self._users[org] = self.store.org_user(org) or "usr_unknown"
        return Caller(org, user)

    def reset(self) -> None:
        self.engine.abort_all("b3os-local was reset", persist=False)
        self.store.reset()
        self.bus.clear()
        self.deliverer.clear()
        with self._keys_lock:
            self._keys = self.store.keys()
        self._users.clear()

    def close(self) -> None:
        # Runs in flight end as failure now; on the next start recover() finds none running.
        self.engine.abort_all("b3os-local stopped while the run was in flight", persist=True)
        self.deliverer.stop()
        self.store.close()
