"""SQLite persistence for b3os-local (stdlib sqlite3, WAL).

One connection guarded by one lock: every read-modify-write in the backend runs inside
``transaction()``, so concurrent writers never lose an update. Documents are stored as JSON;
the columns next to them exist only for filtering and sorting lists.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from b3os.local.util import dumps

__all__ = ["Store", "hash_key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orgs (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_at TEXT NOT NULL, bootstrap INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash TEXT PRIMARY KEY, key_id TEXT NOT NULL, org_id TEXT NOT NULL, bootstrap INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS workflows (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL, org_id TEXT NOT NULL, trigger_secret TEXT NOT NULL,
    name TEXT NOT NULL, description TEXT NOT NULL, status TEXT NOT NULL, live_status TEXT NOT NULL,
    type TEXT NOT NULL, search TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, run_count INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS workflows_org ON workflows(org_id, updated_at);
CREATE INDEX IF NOT EXISTS workflows_secret ON workflows(trigger_secret);
CREATE TABLE IF NOT EXISTS versions (
    wf_id TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (wf_id, version)
);
CREATE TABLE IF NOT EXISTS runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL, org_id TEXT NOT NULL, workflow_id TEXT NOT NULL, status TEXT NOT NULL,
    started_at TEXT NOT NULL, doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_org ON runs(org_id, seq);
CREATE INDEX IF NOT EXISTS runs_wf ON runs(workflow_id, seq);
CREATE TABLE IF NOT EXISTS kind_docs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL, id TEXT NOT NULL, org_id TEXT NOT NULL, parent TEXT NOT NULL DEFAULT '',
    doc TEXT NOT NULL, UNIQUE (kind, id)
);
CREATE INDEX IF NOT EXISTS kind_docs_org ON kind_docs(kind, org_id, parent, seq);
"""


def hash_key(api_key: str) -> str:
    """Keys are stored hashed, never raw (§2: "stored hashed")."""
    return hashlib.sha256(api_key.encode()).hexdigest()


class Store:
    """Thin typed access to the tables; no business rules live here."""

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._depth = 0

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock for a whole read-modify-write; nested calls join the outer one."""
        with self.lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    def _one(self, sql: str, args: tuple[Any, ...]) -> Any:
        with self.lock:
            return self._db.execute(sql, args).fetchone()

    def _all(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        with self.lock:
            return self._db.execute(sql, args).fetchall()

    def _exec(self, sql: str, args: tuple[Any, ...]) -> None:
        with self.transaction():
            self._db.execute(sql, args)

    # -- orgs and keys -------------------------------------------------------------------
    def add_org(self, org_id: str, user_id: str, created_at: str, *, bootstrap: bool) -> None:
        self._exec(
            "INSERT OR IGNORE INTO orgs VALUES (?,?,?,?)", (org_id, user_id, created_at, int(bootstrap))
        )

    def add_key(self, api_key: str, key_id: str, org_id: str, *, bootstrap: bool) -> None:
        self._exec(
            "INSERT OR REPLACE INTO api_keys VALUES (?,?,?,?)",
            (hash_key(api_key), key_id, org_id, int(bootstrap)),
        )

    def keys(self) -> dict[str, str]:
        """key hash -> organization id, for the in-memory auth cache."""
        return dict(self._all("SELECT key_hash, org_id FROM api_keys", ()))

    def org_user(self, org_id: str) -> str | None:
        row = self._one("SELECT user_id FROM orgs WHERE id=?", (org_id,))
        return None if row is None else str(row[0])

    def org_created_at(self, org_id: str) -> str | None:
        row = self._one("SELECT created_at FROM orgs WHERE id=?", (org_id,))
        return None if row is None else str(row[0])

    def reset(self) -> None:
        """Drop all state except the bootstrap organizations and keys."""
        with self.transaction():
            for table in ("workflows", "versions", "runs", "kind_docs"):
                self._db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            self._db.execute("DELETE FROM api_keys WHERE bootstrap=0")
            self._db.execute("DELETE FROM orgs WHERE bootstrap=0")

    # -- workflows -----------------------------------------------------------------------
    def get_workflow(self, wf_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT doc FROM workflows WHERE id=?", (wf_id,))
        return None if row is None else dict(json.loads(row[0]))

    def workflow_by_secret(self, secret: str) -> dict[str, Any] | None:
        row = self._one("SELECT doc FROM workflows WHERE trigger_secret=?", (secret,))
        return None if row is None else dict(json.loads(row[0]))

    def put_workflow(
        self, doc: dict[str, Any], *, name: str, description: str, status: str, live_status: str, type_: str
    ) -> None:
        self._exec(
            "INSERT INTO workflows (id, org_id, trigger_secret, name, description, status, live_status, type,"
            " search, created_at, updated_at, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET name=excluded.name, description=excluded.description,"
            " status=excluded.status, live_status=excluded.live_status, type=excluded.type, search=excluded.search,"
            " updated_at=excluded.updated_at, doc=excluded.doc",
            (
                doc["id"],
                doc["organizationId"],
                doc["triggerSecret"],
                name,
                description,
                status,
                live_status,
                type_,
                # Python's lower() (SQLite's is ASCII-only): "Ünïcödé" is found by "ünï"
                f"{name}\n{description}".lower(),
                doc["createdAt"],
                doc["updatedAt"],
                dumps(doc),
            ),
        )

    def bump_run_count(self, wf_id: str) -> None:
        self._exec("UPDATE workflows SET run_count = run_count + 1 WHERE id=?", (wf_id,))

    def list_workflows(
        self, org_id: str, *, where: list[str], args: list[Any], order: str, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        clause = " AND ".join(["org_id=?", *where])
        rows = self._all(
            f"SELECT doc FROM workflows WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?",  # noqa: S608
            (org_id, *args, limit, offset),
        )
        return [dict(json.loads(r[0])) for r in rows]

    def count_workflows(self) -> int:
        return int(self._one("SELECT COUNT(*) FROM workflows", ())[0])

    # -- versions ------------------------------------------------------------------------
    def put_version(self, wf_id: str, version: int, doc: dict[str, Any]) -> None:
        self._exec("INSERT OR REPLACE INTO versions VALUES (?,?,?)", (wf_id, version, dumps(doc)))

    def get_version(self, wf_id: str, version: int) -> dict[str, Any] | None:
        row = self._one("SELECT doc FROM versions WHERE wf_id=? AND version=?", (wf_id, version))
        return None if row is None else dict(json.loads(row[0]))

    # -- runs ----------------------------------------------------------------------------
    def put_run(self, run: dict[str, Any]) -> None:
        self._exec(
            "INSERT INTO runs (id, org_id, workflow_id, status, started_at, doc) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET status=excluded.status, doc=excluded.doc",
            (
                run["id"],
                run["organizationId"],
                run["workflowId"],
                run["status"],
                run["startedAt"],
                dumps(run),
            ),
        )

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT doc FROM runs WHERE id=?", (run_id,))
        return None if row is None else dict(json.loads(row[0]))

    def run_exists(self, run_id: str) -> bool:
        return self._one("SELECT 1 FROM runs WHERE id=?", (run_id,)) is not None

    def list_runs(
        self, org_id: str, *, workflow_id: str | None, status: str | None, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        where, args = ["org_id=?"], [org_id]
        if workflow_id is not None:
            where.append("workflow_id=?")
            args.append(workflow_id)
        if status is not None:
            where.append("status=?")
            args.append(status)
        rows = self._all(
            f"SELECT doc FROM runs WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ? OFFSET ?",  # noqa: S608
            (*args, limit, offset),
        )
        return [dict(json.loads(r[0])) for r in rows]

    def unfinished_runs(self) -> list[dict[str, Any]]:
        rows = self._all("SELECT doc FROM runs WHERE status IN ('running','waiting')", ())
        return [dict(json.loads(r[0])) for r in rows]

    # -- documents of the other kinds (connectors, execution webhooks, deliveries, variables) --
    def put_doc(self, kind: str, doc: dict[str, Any], *, org_id: str, parent: str = "") -> None:
        """Insert or replace one document of ``kind``, keyed by ``doc["id"]`` (order of first insert kept)."""
        self._exec(
            "INSERT INTO kind_docs (kind, id, org_id, parent, doc) VALUES (?,?,?,?,?)"
            " ON CONFLICT(kind, id) DO UPDATE SET doc=excluded.doc",
            (kind, doc["id"], org_id, parent, dumps(doc)),
        )

    def get_doc(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT doc FROM kind_docs WHERE kind=? AND id=?", (kind, doc_id))
        return None if row is None else dict(json.loads(row[0]))

    def delete_doc(self, kind: str, doc_id: str) -> bool:
        with self.transaction():
            cursor = self._db.execute("DELETE FROM kind_docs WHERE kind=? AND id=?", (kind, doc_id))
            return cursor.rowcount > 0

    def list_docs(
        self, kind: str, *, org_id: str | None, parent: str | None = None, limit: int = -1, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Documents of ``kind`` in insertion order; ``org_id=None`` means every organization."""
        where, args = ["kind=?"], [kind]
        if org_id is not None:
            where.append("org_id=?")
            args.append(org_id)
        if parent is not None:
            where.append("parent=?")
            args.append(parent)
        rows = self._all(
            f"SELECT doc FROM kind_docs WHERE {' AND '.join(where)} ORDER BY seq LIMIT ? OFFSET ?",  # noqa: S608
            (*args, limit, offset),
        )
        return [dict(json.loads(r[0])) for r in rows]
