"""After a create: concurrent creators of one name converge on the earliest row.

Of the live rows with the name, the earliest created (then the smallest id) stays; a later one
(ours) is archived by its creator, which reports a conflict. The rule needs the live rows with
the name, read after the create. For one create that is one search (``?q=NAME``); for a batch of
creates (``b3os apply`` of a directory, the bulk Ansible module) one scan of the organization's
live workflows serves every name, so a create costs no extra round trip per workflow, unless
the organization is so large that its pages would take longer than the searches in parallel.

Why the earlier rule is safe: if two runs create one name, the later create happened before the
later creator's read, so that read sees both rows and its creator archives its own copy; the
earlier creator may read before the later create and see only itself: it stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from math import ceil
from typing import TYPE_CHECKING

from b3os._pool import pool_map
from b3os.client import MAX_PAGE_SIZE
from b3os.models import WorkflowListItem

if TYPE_CHECKING:
    from b3os.client import Client

__all__ = ["earlier_row", "live_named", "live_named_many"]

# Consecutive pages of the scan overlap by this many rows: rows archived while it runs shift the
# rest up, and without the overlap the row at a page boundary would be skipped unseen.
_OVERLAP = 5


def live_named(client: Client, name: str) -> list[WorkflowListItem]:
    """The live (not archived) workflows named exactly ``name``: one search."""
    return [item for item in client.iter_workflows(q=name) if item.name == name and item.status != "archived"]


def live_named_many(
    client: Client, names: Iterable[str], *, parallelism: int
) -> dict[str, list[WorkflowListItem]]:
    """``live_named`` for many names: one scan of the organization's live workflows when its pages
    cost fewer round trips than the searches do ``parallelism`` at a time, else the searches."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    rounds = ceil(len(wanted) / max(parallelism, 1))
    rows = _scan_live(client, max_pages=rounds)
    if rows is None:
        found = pool_map(lambda name: live_named(client, name), wanted, parallelism)
        return dict(zip(wanted, found, strict=True))
    by_name: dict[str, list[WorkflowListItem]] = {name: [] for name in wanted}
    for item in rows:
        if item.name in by_name:
            by_name[item.name].append(item)
    return by_name


def _scan_live(client: Client, *, max_pages: int) -> list[WorkflowListItem] | None:
    """Every live workflow of the organization, newest created first, in at most ``max_pages``
    pages; ``None`` when that is not enough, or when the listing moved under the scan by more
    than the overlap absorbs (the last row of a page is missing from the next): the caller then
    searches by name instead, which is exact."""
    seen: dict[str, WorkflowListItem] = {}
    offset, last = 0, None
    for _ in range(max_pages):
        page = client.workflows.list(sort="createdAt:desc", limit=MAX_PAGE_SIZE, offset=offset)
        if last is not None and all(item.id != last for item in page.items):
            return None
        for item in page.items:
            if item.status != "archived":
                seen[item.id] = item
        if not page.has_more or not page.items:
            return list(seen.values())
        last = page.items[-1].id
        offset += max(len(page.items) - _OVERLAP, 1)
    return None


def earlier_row(rows: Iterable[WorkflowListItem], our_id: str) -> WorkflowListItem | None:
    """The row that stays instead of ours (``our_id``), or ``None`` when ours stays: ours is the
    earliest created of the live rows with its name, or it is not among them (then it is not a
    copy to archive: someone else already dealt with it)."""
    listed = list(rows)
    if all(item.id != our_id for item in listed):
        return None
    first = min(listed, key=lambda item: (item.created_at or "", item.id))
    return None if first.id == our_id else first
