"""The CLI's ownership record: ``b3os.lock.json``, written by ``b3os apply`` beside the files.

Users commit it. It says who this directory is (``owner: dir:<uuid>``, the owner marker its
workflows carry on the server) and what each file manages::

    {"version": 1, "owner": "dir:3f2c…", "resources": {
        "orders.yaml": {"kind": "workflow", "id": "wf_…", "name": "orders"},
        "slack.yaml": {"kind": "connector", "id": "conn_…", "data_fingerprint": "pbkdf2…"}}}

* A file in the record is managed by its id: renaming ``name:`` updates the same workflow.
* A recorded id that no longer exists falls back to the name (and then to a create).
* Workflows recorded but whose file is gone are "owned but not declared": ``--prune`` archives
  them (only if the server still says this directory owns them).
* For the simple kinds (connectors, webhooks, variables) there is no server marker: the record
  is the whole of their ownership, and it carries the fingerprints of write-only data.

``DirectoryLock`` serializes runs on one directory (like a Terraform state lock): a second
``b3os apply`` waits for the first, then plans against its result.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b3os.errors import ConfigError

if TYPE_CHECKING:
    from b3os.resource.files import Declared
    from b3os.resource.fleet import Outcome

__all__ = ["RECORD_NAME", "DirectoryLock", "Record", "owned_specs", "record_outcomes"]

RECORD_NAME = "b3os.lock.json"
RECORD_VERSION = 1


@dataclass
class Record:
    """One directory's record (``exists`` is False until the first apply writes it)."""

    directory: Path
    owner: str
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    exists: bool = False

    @property
    def path(self) -> Path:
        return self.directory / RECORD_NAME

    @classmethod
    def load(cls, directory: Path) -> Record:
        path = directory / RECORD_NAME
        if not path.exists():
            return cls(directory, f"dir:{uuid.uuid4()}")
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(
                f"{path}: cannot read the ownership record ({exc}); restore it from version control"
            ) from None
        owner, resources = (
            doc.get("owner") if isinstance(doc, dict) else None,
            doc.get("resources") if isinstance(doc, dict) else None,
        )
        if not isinstance(owner, str) or not owner.startswith("dir:") or not isinstance(resources, dict):
            raise ConfigError(
                f"{path}: not a b3os ownership record (needs owner: dir:… and resources); restore it from version control"
            )
        return cls(
            directory, owner, {str(k): dict(v) for k, v in resources.items() if isinstance(v, dict)}, True
        )

    def save(self) -> None:
        doc = {
            "version": RECORD_VERSION,
            "owner": self.owner,
            "resources": dict(sorted(self.resources.items())),
        }
        tmp = self.path.with_name(f".{RECORD_NAME}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            raise ConfigError(
                f"cannot write the ownership record {self.path} ({exc.strerror or exc}): apply needs a "
                "writable directory (the record says what this directory owns; commit it)"
            ) from None
        self.exists = True

    def workflows_not_declared(self, declared_files: set[str]) -> dict[str, dict[str, Any]]:
        """Recorded workflows whose file is gone: file name → entry."""
        return {
            name: entry
            for name, entry in self.resources.items()
            if entry.get("kind") == "workflow" and name not in declared_files and entry.get("id")
        }


def directory_of(paths: Sequence[str | Path]) -> Path:
    """The one directory a run's record lives in: the directory given, or the files' directory."""
    dirs = {Path(p).resolve() if Path(p).is_dir() else Path(p).resolve().parent for p in paths}
    if len(dirs) != 1:
        raise ConfigError(
            "plan/apply keeps one ownership record (b3os.lock.json) per directory: give one directory, "
            f"or files of one directory (got {len(dirs)} directories); run once per directory"
        )
    return dirs.pop()


def owned_specs(
    declared: Sequence[Declared], record: Record, adopt: frozenset[str] | set[str] = frozenset()
) -> list[Declared]:
    """The declared objects as this directory owns them: workflows carry the owner, files in the
    record are found by their recorded id, and an ``id:`` in a file (or ``b3os adopt``) is an
    explicit adopt."""
    result: list[Declared] = []
    proxies: dict[str, _Recorded] = {}
    for item in declared:
        entry = record.resources.get(item.path.name) or {}
        recorded = entry.get("id") if entry.get("kind") == item.kind.name else None
        if item.kind.name == "workflow":
            spec = item.spec
            explicit = spec.id is not None or item.path.name in adopt
            changes: dict[str, Any] = {"owner": record.owner, "adopt": explicit}
            if spec.id is None and isinstance(recorded, str) and item.path.name not in adopt:
                changes.update(id=recorded, recorded=True)
            result.append(dataclasses.replace(item, spec=dataclasses.replace(spec, **changes)))
        else:
            proxy = proxies.setdefault(item.kind.name, _Recorded(item.kind))
            if isinstance(recorded, str):
                proxy.entries[id(item.spec)] = entry
            result.append(dataclasses.replace(item, kind=proxy))  # type: ignore[arg-type]
    return result


class _Recorded:
    """A simple kind whose reads carry over what the record kept (fingerprints of write-only data)."""

    def __init__(self, kind: Any) -> None:
        self._kind = kind
        self.entries: dict[int, Mapping[str, Any]] = {}  # id(spec) → its record entry

    def __getattr__(self, name: str) -> Any:
        return getattr(self._kind, name)

    def _carry(self, spec: Any, state: Any) -> Any:
        entry = self.entries.get(id(spec))
        if entry is None or state is None or not hasattr(self._kind, "carry_over"):
            return state
        return self._kind.carry_over(state, entry)

    def read(self, client: Any, spec: Any) -> Any:
        return self._carry(spec, self._kind.read(client, spec))

    def read_many(self, client: Any, specs: Sequence[Any]) -> list[Any]:
        states = self._kind.read_many(client, specs)
        return [self._carry(spec, state) for spec, state in zip(specs, states, strict=True)]


def record_outcomes(record: Record, outcomes: Sequence[Outcome], pruned: Sequence[str] = ()) -> None:
    """Write what this apply now manages (and forget pruned files); failed objects keep their entry."""
    for outcome in outcomes:
        if not outcome.ok or not outcome.outputs.get("id"):
            continue
        item = outcome.planned.declared
        entry: dict[str, Any] = {"kind": item.kind.name, "id": outcome.outputs["id"]}
        if outcome.outputs.get("name") is not None:
            entry["name"] = outcome.outputs["name"]
        entry.update({k: v for k, v in outcome.outputs.items() if k.endswith("_fingerprint") and v})
        record.resources[item.path.name] = entry
    for name in pruned:
        record.resources.pop(name, None)
    record.save()


class DirectoryLock:
    """An exclusive ``flock`` on the directory itself (nothing is written for it): a second run on
    the same directory waits up to ``timeout`` seconds, then refuses with a clear message."""

    def __init__(self, directory: Path, timeout: float = 300.0, on_wait: Any = None) -> None:
        self.directory, self.timeout, self.on_wait = directory, timeout, on_wait
        self._fd: int | None = None

    def __enter__(self) -> DirectoryLock:
        fd = os.open(self.directory, os.O_RDONLY)
        deadline, told = time.monotonic() + self.timeout, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise ConfigError(
                        f"another b3os plan/apply is running on {self.directory} (it holds the directory "
                        f"lock); waited {self.timeout:g} s. Try again when it is done"
                    ) from None
                if not told and self.on_wait is not None:
                    self.on_wait(f"waiting for another b3os run on {self.directory} to finish …")
                    told = True
                time.sleep(0.1)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


@contextlib.contextmanager
def no_lock() -> Iterator[None]:
    yield
