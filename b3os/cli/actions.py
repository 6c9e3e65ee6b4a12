"""``b3os actions [TYPE]``: the node catalog of the server the CLI points at (public, no key),
and ``b3os validate --catalog``: payloads checked against that catalog.

Only argparse at import time: ``b3os --help`` stays instant.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from b3os.workflow import WorkflowSpec

__all__ = ["check_against_catalog", "field_rows", "register", "run"]


def register(sub: Any) -> None:
    """Add the ``actions`` subcommand to the CLI's subparsers."""
    p = sub.add_parser(
        "actions",
        help="list the node types (triggers and actions) the server knows, or show one",
        description="Print the node catalog of the server (--api-url / $B3OS_API_URL); needs no API key.",
    )
    p.add_argument("node_type", nargs="?", metavar="TYPE", help="show this node type's payload fields")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _types(prop: Mapping[str, Any]) -> str:
    display = prop.get("x-display-type")
    if isinstance(display, str):
        return display
    raw = prop.get("type")
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list) and raw:
        return " or ".join(str(t) for t in raw)
    return "any"


def field_rows(entry: Mapping[str, Any]) -> list[tuple[str, str, bool, str]]:
    """(field, type, required, description) of an entry's payloadSchema, required ones first."""
    schema = entry.get("payloadSchema")
    schema = schema if isinstance(schema, Mapping) else {}
    props = schema.get("properties")
    props = props if isinstance(props, Mapping) else {}
    required = schema.get("required")
    required = [r for r in required if isinstance(r, str)] if isinstance(required, list) else []
    names = [*required, *(k for k in props if k not in required)]
    rows = []
    for name in names:
        prop = props.get(name)
        prop = prop if isinstance(prop, Mapping) else {}
        description = prop.get("description")
        rows.append(
            (name, _types(prop), name in required, description if isinstance(description, str) else "")
        )
    return rows


def _print_entry(out: Console, entry: Mapping[str, Any]) -> None:
    from rich.table import Table

    kind = entry.get("kind", "action")
    out.print(f"[bold]{entry.get('type')}[/] ({kind}) - {entry.get('name', '')}", markup=True)
    if entry.get("description"):
        out.print(str(entry["description"]), markup=False)
    rows = field_rows(entry)
    if rows:
        table = Table("payload field", "type", "required", "description", box=None, pad_edge=False)
        for name, types, required, description in rows:
            table.add_row(name, types, "yes" if required else "", description)
        out.print(table)
    else:
        out.print("payload: {} (no fields)", markup=False)
    if entry.get("branches"):
        out.print(f"children pick a branch: {', '.join(map(str, entry['branches']))}", markup=False)
    example = entry.get("exampleInput", entry.get("example"))
    if example is not None:
        out.print("example payload: " + json.dumps(example, ensure_ascii=False), markup=False)


def run(args: argparse.Namespace) -> int:
    """The ``actions`` command; returns the exit code (errors are B3OSError for the caller)."""
    from rich.console import Console
    from rich.table import Table

    from b3os.catalog_client import fetch_catalog, fetch_entry

    out = Console(highlight=False, soft_wrap=True)
    if args.node_type:
        entry = fetch_entry(args.node_type, base_url=args.api_url, timeout=args.timeout)
        if args.json:
            print(json.dumps(entry, ensure_ascii=False, indent=2))
        else:
            _print_entry(out, entry)
        return 0
    entries = fetch_catalog(base_url=args.api_url, timeout=args.timeout)
    if args.json:
        print(json.dumps(list(entries.values()), ensure_ascii=False, indent=2))
        return 0
    table = Table("type", "kind", "category", "name", box=None, pad_edge=False)
    for node_type in sorted(entries, key=lambda t: (entries[t]["kind"] != "trigger", t)):
        e = entries[node_type]
        table.add_row(node_type, str(e["kind"]), str(e.get("category") or ""), str(e.get("name") or ""))
    out.print(table)
    out.print(f"{len(entries)} node types; `b3os actions TYPE` shows one's payload fields", markup=False)
    return 0


def check_against_catalog(args: argparse.Namespace, specs: Sequence[tuple[Path, WorkflowSpec]]) -> None:
    """``validate --catalog``: every file's definition against the server's catalog; all files
    are checked and every problem reported (DefinitionError naming the files) before returning."""
    from b3os.catalog_client import fetch_catalog
    from b3os.definition import validate_definition
    from b3os.errors import DefinitionError

    server = fetch_catalog(base_url=args.api_url, timeout=args.timeout)
    problems = []
    files = []
    for path, spec in specs:
        items = validate_definition(spec.definition, catalog=server) if spec.definition is not None else []
        if items:
            files.append(str(path))
            problems += [i.model_copy(update={"message": f"{path}: {i.message}"}) for i in items]
    if problems:
        raise DefinitionError(
            problems,
            f"{len(problems)} problem(s) against the server's catalog in {', '.join(files)}",
        )
