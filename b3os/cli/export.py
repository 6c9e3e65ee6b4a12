"""``b3os export DIR``, ``b3os versions NAME`` and ``b3os rollback NAME --to N``."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from b3os.client import Client
from b3os.resource.export import describe, safe_export, select

from . import EXIT_OK

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


def run_export(args: argparse.Namespace, client: Client, out: Console) -> int:
    states = select(client, names=args.name, statuses=args.status, query=args.query)
    items = describe(states)
    files = safe_export(client, Path(args.directory), items, args.format, owner=args.owner)
    out.print(
        f"exported {len(items)} workflow(s) to {escape(args.directory)} ({args.format}, {len(files)} file(s))"
    )
    for item in items:
        out.print(
            f"  {escape(item.slug)}: {escape(repr(item.doc['name']))} ({item.state.id}, {item.declared_state})"
        )
    return EXIT_OK
