"""``b3os export DIR``, ``b3os versions NAME`` and ``b3os rollback NAME --to N``."""

from __future__ import annotations

import argparse
from pathlib import Path

from b3os._pool import DEFAULT_PARALLELISM
from b3os.client import Client
from b3os.resource.export import describe, safe_export, select

from . import EXIT_OK, _positive
from .output import Output, escape

__all__ = ["add_parsers", "run_export"]


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export",
        help="write the organization's workflows into a directory as code (and adopt them there)",
        description="Write workflows (all, or filtered) into DIR as code; `b3os plan DIR` then shows no changes.",
    )
    p.add_argument("directory", metavar="DIR", help="a new or empty directory")
    p.add_argument(
        "--name", action="append", default=[], help="only the workflow with this exact name (repeatable)"
    )
    p.add_argument(
        "--status", action="append", default=[], choices=["active", "paused", "draft", "archived"],
        help="only workflows in this status (repeatable)",
    )  # fmt: skip
    p.add_argument("--query", help="only workflows whose name or description matches (server-side search)")
    p.add_argument(
        "--format", default="yaml", choices=["yaml", "pulumi", "ansible"], help="what to write (default yaml)"
    )
    p.add_argument("--owner", help="--format ansible: the owner marker the play uses (default ansible)")
    p.add_argument(
        "--parallelism", type=_positive, default=DEFAULT_PARALLELISM, metavar="N",
        help=f"how many workflows are read and marked at once (default {DEFAULT_PARALLELISM})",
    )  # fmt: skip


def run_export(args: argparse.Namespace, client: Client, out: Output) -> int:
    states = select(
        client, names=args.name, statuses=args.status, query=args.query, parallelism=args.parallelism
    )
    items = describe(states)
    files = safe_export(
        client, Path(args.directory), items, args.format, owner=args.owner, parallelism=args.parallelism
    )
    out.print(
        f"exported {len(items)} workflow(s) to {escape(args.directory)} ({args.format}, {len(files)} file(s))"
    )
    for item in items:
        out.print(
            f"  {escape(item.slug)}: {escape(repr(item.doc['name']))} ({item.state.id}, {item.declared_state})"
        )
    return EXIT_OK


def add_version_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    v = sub.add_parser(
        "versions", help="list a workflow's versions (newest first) with a one-line change summary"
    )
    v.add_argument("workflow", metavar="NAME_OR_ID")
    v.add_argument("--json", action="store_true", help="machine-readable output")
    r = sub.add_parser(
        "rollback",
        help="make version N's content live again (a new version; the newer ones stay listed)",
    )
    r.add_argument("workflow", metavar="NAME_OR_ID")
    r.add_argument("--to", type=int, required=True, metavar="N", help="the version whose content goes live")
    r.add_argument("--yes", "-y", action="store_true", help="do not ask (a terminal asks otherwise)")


def run_versions(args: argparse.Namespace, client: Client, out: Output) -> int:
    import json

    from b3os.cli.commands import _resolve
    from b3os.normalize import graph_summary

    wf_id = _resolve(client, args.workflow)
    rows = []
    offset = 0
    while True:
        page = client.list_versions(wf_id, offset=offset)
        rows.extend(page.items)
        if not page.has_more or not page.items:
            break
        offset += len(page.items)
    rows.sort(key=lambda w: w.version or 0)
    listed = []
    previous: dict[str, object] | None = None
    for row in rows:
        wire = row.model_dump(by_alias=True, exclude_none=True, mode="json")
        definition = wire.get("definition") or {"nodes": {}}
        change = "first version" if previous is None else graph_summary(previous, definition).describe()
        previous = definition
        listed.append(
            {
                "version": row.version,
                "status": row.status,
                "created_at": wire.get("publishedAt") or wire.get("createdAt"),
                "created_by": wire.get("versionCreatedBy") or wire.get("createdBy"),
                "change": change,
            }
        )
    listed.reverse()
    if args.json:
        print(json.dumps({"workflow_id": wf_id, "versions": listed}, ensure_ascii=False))
        return EXIT_OK
    out.print(f"versions of {escape(args.workflow)} ({wf_id}), newest first:")
    for v in listed:
        out.print(
            f"  v{v['version']}  {v['status'] or '':<8} {v['created_at'] or '':<24} {v['created_by'] or '':<16} "
            f"{escape(str(v['change']))}"
        )
    return EXIT_OK


def run_rollback(args: argparse.Namespace, client: Client, out: Output) -> int:
    from b3os.cli.lifecycle import _confirm
    from b3os.cli.render import print_plan
    from b3os.errors import ConfigError
    from b3os.workflow import WorkflowSpec, apply, plan, public_state, read

    by_id = args.workflow.startswith("wf_")
    found = read(
        client, WorkflowSpec.build(id=args.workflow if by_id else None, name=None if by_id else args.workflow)
    )
    if found is None:
        raise ConfigError(f"no workflow {args.workflow!r}")
    if found.status not in ("active", "paused"):
        raise ConfigError(
            f"workflow {args.workflow!r} ({found.id}) is {found.status}: only a live (active or paused) workflow "
            "can be rolled back; publish it first"
        )
    spec = WorkflowSpec.build(id=found.id, state=public_state(found.status), live_version=args.to)
    the_plan = plan(spec, read(client, spec))
    print_plan(out, None, the_plan)
    if not the_plan.changed:
        out.print(f"\nNo changes: the live content already is version {args.to}'s.")
        return EXIT_OK
    if not _confirm(args, out):
        return 1
    result = apply(client, the_plan)
    live = result.state.live_version if result.state is not None else None
    out.print(
        f"\nRolled back: version {args.to}'s content is live as version {live}; newer versions stay listed."
    )
    return EXIT_OK
