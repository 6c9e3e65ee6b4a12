"""Finding an object by its natural key: exact, paged to the end, duplicates an error.

Guessing between two same-named objects would manage the wrong one, so more than one match is
an error that lists the ids and says how to choose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from b3os.errors import ConfigError

__all__ = ["index_by_key", "unique_id"]


def index_by_key(
    rows: Iterable[Mapping[str, Any]], key_of: Callable[[Mapping[str, Any]], Any]
) -> dict[Any, list[str]]:
    """Ids by natural key over every row listed (rows without an id are skipped)."""
    ids: dict[Any, list[str]] = {}
    for row in rows:
        row_id = row.get("id")
        if not isinstance(row_id, str):
            continue
        bucket = ids.setdefault(key_of(row), [])
        if row_id not in bucket:
            bucket.append(row_id)
    return ids


def unique_id(kind: str, label: str, ids: list[str]) -> str | None:
    """The one id for ``label``, ``None`` for none; an error naming every id for several."""
    if len(ids) > 1:
        raise ConfigError(
            f"{len(ids)} {kind}s are named {label} ({', '.join(ids)}): set 'id' to say which one to "
            "manage, or rename the others"
        )
    return ids[0] if ids else None
