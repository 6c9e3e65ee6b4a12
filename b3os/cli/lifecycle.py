"""``b3os plan/apply/adopt`` with ownership: the directory's record, its lock, prune, confirmation.

The directory's ``b3os.lock.json`` (``b3os.resource.ownership``) names this directory's owner
string; every workflow it creates or adopts carries that owner on the server. A workflow found
by name that belongs to another owner (or none) is a conflict at plan time, naming the owner,
until it is adopted explicitly (``b3os adopt FILE`` or ``id:`` in the file).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from b3os.cli.progress import apply_progress
from b3os.client import Client
from b3os.errors import ConfigError
from b3os.kinds import get as get_kind
from b3os.resource.files import Declared, load_files
from b3os.resource.fleet import Outcome, Planned, apply_all, plan_all
from b3os.resource.ownership import DirectoryLock, Record, directory_of, owned_specs, record_outcomes
from b3os.workflow import WorkflowSpec
from b3os.workflow.owner import OwnershipError

from . import EXIT_CHANGES, EXIT_ERROR, EXIT_OK
from .output import Output, escape

__all__ = ["Undeclared", "plan_apply"]


@dataclass
class Undeclared:
    """A workflow the record says this directory owns, whose file is gone."""

    file: str
    id: str
    name: str | None
    planned: Planned | None = None  # the archive plan (with --prune), None when nothing to do
    refused: str | None = None  # owned elsewhere now: never archived
    archived: bool = False  # already archived: only the record entry goes


def _client(args: argparse.Namespace) -> Client:
    from b3os.cli.commands import _client as client_of  # the key as --api-key resolved it

    return client_of(args)


def _undeclared(client: Client, record: Record, declared: list[Declared], prune: bool) -> list[Undeclared]:
    kind = get_kind("workflow")
    files = {item.path.name for item in declared}
    found: list[Undeclared] = []
    for file, entry in sorted(record.workflows_not_declared(files).items()):
        item = Undeclared(file, str(entry["id"]), entry.get("name"))
        spec = WorkflowSpec(id=item.id, name=item.name, state="archived", owner=record.owner)
        state = kind.read(client, spec)
        if state is None or state.status == "archived":
            item.archived = True
        elif state.owner != record.owner:
            item.refused = (
                f"now owned by {state.owner or 'nobody'}: not archived (the record entry is dropped)"
            )
        elif prune:
            try:
                the_plan = kind.plan(spec, state)
            except OwnershipError as exc:
                item.refused = str(exc)
            else:
                item.planned = Planned(Declared(record.directory / file, kind, spec), the_plan)
        found.append(item)
    return found


def _print_undeclared(out: Output, items: list[Undeclared], prune: bool, json_mode: bool) -> None:
    if json_mode or not items:
        return
    live = [i for i in items if not i.archived]
    if not prune:
        if live:
            out.print(
                f"\nOwned but not declared ({len(live)}): their files are gone; `--prune` archives them"
            )
            for item in live:
                out.print(
                    f"  [yellow]?[/] workflow {escape(repr(item.name))} ({item.id})  [dim]{escape(item.file)}[/dim]"
                )
        return
    for item in live:
        if item.refused:
            out.print(f"[red]! workflow {escape(repr(item.name))} ({item.id}): {escape(item.refused)}[/]")
        else:
            out.print(
                f"[bold red]- workflow {escape(repr(item.name))} ({item.id})[/]: archive (file removed)  [dim]{escape(item.file)}[/dim]"
            )


def _as_json(items: list[Undeclared]) -> list[dict[str, Any]]:
    """The ``undeclared`` entries of ``--json`` (b3os.cli.jsonout): what a pipeline must see too."""
    return [
        {
            "file": item.file,
            "kind": "workflow",
            "id": item.id,
            "name": item.name,
            "action": "archive" if item.planned is not None else "none",
            "reason": item.refused
            or ("file removed: --prune archives it" if item.planned is None else "file removed"),
        }
        for item in items
        if not item.archived
    ]


def _confirm(args: argparse.Namespace, out: Output) -> bool:
    """Like ``terraform apply``: a terminal asks, unless --yes, a pipe, or CI=true."""
    if getattr(args, "yes", False) or os.environ.get("CI", "").lower() in ("true", "1"):
        return True
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return True
    out.print("\nDo you want to apply these changes? Only 'yes' will be accepted: ", end="")
    try:
        answer = input()
    except EOFError:
        answer = ""
    if answer.strip() != "yes":
        out.print("Apply cancelled: nothing was written.")
        return False
    return True


def plan_apply(args: argparse.Namespace, out: Output, err: Output) -> int:
    """``plan`` / ``apply`` / ``adopt`` over one directory's files, with its ownership record."""
    from b3os.cli.commands import _report, _validate, check_catalog  # the shared reporting
    from b3os.resource import saved_plan

    command = args.command
    saved: dict[str, Any] | None = None
    if command == "apply" and saved_plan.is_saved_plan(args.paths):
        saved = saved_plan.load(Path(args.paths[0]))
        args.paths, args.prune = [saved["directory"]], bool(saved.get("prune"))
    directory = directory_of(args.paths)
    declared = load_files(args.paths)
    check_catalog(args, declared)
    adopt = {d.path.name for d in declared} if command == "adopt" else set()
    prune = bool(getattr(args, "prune", False))
    lock: Any = contextlib.nullcontext()
    if command != "plan":
        lock = DirectoryLock(
            directory, timeout=args.lock_timeout, on_wait=lambda m: err.print(m, markup=False)
        )
    with lock:
        record = Record.load(directory)
        if saved is not None and not record.exists:
            record.owner = str(saved.get("owner"))  # planned before the first apply wrote the record
        if command != "plan" and not record.exists:
            # Before any write: a run killed after a create must leave a record whose owner the
            # next run shares (the leftover carries it), or recovery would be a conflict.
            record.save()
        owned = owned_specs(declared, record, adopt)
        with _client(args) as client:
            planned = plan_all(client, owned, parallelism=args.parallelism, validate=_validate)
            undeclared = _undeclared(client, record, declared, prune) if command != "adopt" else []
            pruning = [u for u in undeclared if u.planned is not None]
            changed = any(p.plan.changed for p in planned) or bool(pruning)

            def snapshot() -> list[dict[str, Any]]:  # only a saved plan needs it (~5% of an apply's CPU)
                return saved_plan.snapshot([*planned, *[u.planned for u in pruning if u.planned is not None]])

            if command == "plan":
                archives = [(u.planned, None) for u in pruning if u.planned is not None] if args.json else []
                _report(
                    args, out, [*[(p, None) for p in planned], *archives], undeclared=_as_json(undeclared)
                )
                _print_undeclared(out, undeclared, prune, args.json)
                if getattr(args, "out", None):
                    saved_plan.save(Path(args.out), directory, record.owner, prune, snapshot())
                    if not args.json:
                        out.print(
                            f"\nSaved the plan to {escape(args.out)}: apply exactly it with `b3os apply {escape(args.out)}`"
                        )
                return EXIT_CHANGES if changed else EXIT_OK
            if saved is not None:
                if saved.get("owner") != record.owner:
                    raise ConfigError(
                        f"{args.paths[0]}: the saved plan was made for another ownership record (owner {saved.get('owner')})"
                    )
                changes = saved_plan.compare(saved["items"], snapshot())
                if changes:
                    raise ConfigError(
                        "the saved plan is stale, nothing was written:\n  "
                        + "\n  ".join(changes)
                        + "\nmake a new plan with `b3os plan DIR --out FILE`"
                    )
            if (
                saved is None
                and changed
                and not args.json
                and sys.stdin.isatty()
                and sys.stdout.isatty()
                and not _auto(args)
            ):
                _report(args, out, [(p, None) for p in planned])
                _print_undeclared(out, undeclared, prune, args.json)
                if not _confirm(args, out):
                    return EXIT_ERROR
            prunes = [u.planned for u in pruning if u.planned is not None]
            with apply_progress(args, err, [*planned, *prunes]) as on_done:
                outcomes = apply_all(client, planned, parallelism=args.parallelism, on_done=on_done)
                prune_outcomes = apply_all(client, prunes, parallelism=args.parallelism, on_done=on_done)
        gone = [u.file for u in undeclared if u.archived or u.refused]
        gone += [o.planned.declared.path.name for o in prune_outcomes if o.ok]
        if changed or gone or not record.exists or _record_differs(record, outcomes):
            record_outcomes(record, outcomes, gone)
    _report(
        args,
        out,
        [(o.planned, o) for o in [*outcomes, *prune_outcomes]],
        applied=True,
        undeclared=_as_json(undeclared),
    )
    _print_undeclared(out, undeclared, prune, args.json)
    ok = all(o.ok for o in [*outcomes, *prune_outcomes])
    return EXIT_OK if ok else EXIT_ERROR


def _auto(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "yes", False)) or os.environ.get("CI", "").lower() in ("true", "1")


def _record_differs(record: Record, outcomes: list[Outcome]) -> bool:
    for outcome in outcomes:
        entry = record.resources.get(outcome.planned.declared.path.name) or {}
        if outcome.ok and outcome.outputs.get("id") and entry.get("id") != outcome.outputs.get("id"):
            return True
    return False
