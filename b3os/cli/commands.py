"""The CLI's commands: thin mappings onto b3os.workflow (plan/apply) and the client (runs)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from b3os.client import Client
from b3os.errors import B3OSError, ConfigError, DefinitionError
from b3os.redact import redact, redact_text
from b3os.runs import summarize_run
from b3os.workflow import (
    Plan,
    WorkflowSpec,
    apply,
    plan,
    read,
    read_many,
    validate_on_server,
    validate_remotely,
)
from b3os.workflow.files import load_specs

from . import EXIT_CHANGES, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from .render import print_event, print_plan, print_run_summary

__all__ = ["dispatch"]


def dispatch(args: argparse.Namespace) -> int:
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    api_key = os.environ.get("B3OS_API_KEY", "")
    try:
        if args.command in ("plan", "apply", "validate"):
            return _workflows(args, out)
        client = _client(args)
        with client:
            if args.command == "run":
                return _run(args, client, out)
            return _runs(args, client, out)
    except DefinitionError as exc:
        err.print(f"[red]error:[/] {redact_text(exc.message, [api_key])}", markup=True)
        for item in exc.items:
            where = ".".join(p for p in (item.node_id, item.field) if p) or "definition"
            err.print(
                f"  - {redact_text(where, [api_key])}: {redact_text(item.message, [api_key])}", markup=False
            )
        return EXIT_ERROR
    except B3OSError as exc:
        err.print("[red]error:[/] ", end="")
        err.print(redact_text(str(exc), [api_key]), markup=False)
        return EXIT_ERROR


def _client(args: argparse.Namespace) -> Client:
    return Client(base_url=args.api_url, timeout=args.timeout)


def _workflows(args: argparse.Namespace, out: Console) -> int:
    specs = load_specs(args.paths)  # every file is read and validated locally before any request
    if args.command == "validate":
        if not args.offline:
            with _client(args) as client:
                for _, spec in specs:
                    validate_on_server(client, spec)
        return _report_valid(args, out, specs)
    with _client(args) as client:
        # Phase 1: read, plan and validate everything; phase 2 writes. Bad input anywhere → no writes.
        plans: list[tuple[Path, Plan]] = []
        states = read_many(client, [spec for _, spec in specs])
        for (path, spec), state in zip(specs, states, strict=True):
            the_plan = plan(spec, state)
            validate_remotely(client, the_plan)
            plans.append((path, the_plan))
        if args.command == "plan":
            _report(args, out, [(p, pl, None) for p, pl in plans])
            return EXIT_CHANGES if any(pl.changed for _, pl in plans) else EXIT_OK
        results = []
        for path, the_plan in plans:
            result = apply(client, the_plan)
            results.append((path, the_plan, result.workflow))
        _report(args, out, results, applied=True)
        return EXIT_OK


def _report_valid(args: argparse.Namespace, out: Console, specs: list[tuple[Path, WorkflowSpec]]) -> int:
    for path, spec in specs:
        if not args.json:
            out.print(f"[green]valid[/] {spec.label}  [dim]{path}[/dim]")
    if args.json:
        print(json.dumps({"valid": True, "files": [str(p) for p, _ in specs]}))
    return EXIT_OK


def _report(
    args: argparse.Namespace,
    out: Console,
    items: Sequence[tuple[Path, Plan, dict[str, Any] | None]],
    *,
    applied: bool = False,
) -> None:
    if args.json:
        doc = {
            "changed": any(pl.changed for _, pl, _ in items),
            "workflows": [
                {
                    "file": str(path),
                    "workflow": pl.spec.label,
                    "id": (workflow or {}).get("id") or (pl.state.id if pl.state else None),
                    "changed": pl.changed,
                    "actions": pl.action_names,
                    "diff": redact(
                        {"changed": pl.diff.changed, "before": pl.diff.before, "after": pl.diff.after}
                    ),
                    **({"workflow": workflow} if workflow is not None else {}),
                }
                for path, pl, workflow in items
            ],
        }
        print(json.dumps(doc, ensure_ascii=False, default=str))
        return
    for path, the_plan, _ in items:
        print_plan(out, path, the_plan)
    changed = sum(1 for _, pl, _ in items if pl.changed)
    writes = sum(pl.writes for _, pl, _ in items)
    verb = "applied" if applied else "to apply"
    if changed:
        out.print(f"\n{changed} of {len(items)} workflow(s) changed, {writes} write(s) {verb}.")
    else:
        out.print(f"\nNo changes: {len(items)} workflow(s) match their files.")


def _resolve(client: Client, name_or_id: str) -> str:
    by_id = name_or_id.startswith("wf_")
    spec = WorkflowSpec.build(id=name_or_id if by_id else None, name=None if by_id else name_or_id)
    state = read(client, spec)
    if state is None:
        raise ConfigError(f"no workflow {spec.label}")
    return state.id


def _payload(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    text = raw
    if raw.startswith("@"):
        try:
            text = Path(raw[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--payload {raw}: {exc.strerror}") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"--payload is not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(value, dict):
        raise ConfigError('--payload must be a JSON object, e.g. \'{"message": "hi"}\'')
    return value


def _run(args: argparse.Namespace, client: Client, out: Console) -> int:
    payload = _payload(args.payload)
    workflow_id = _resolve(client, args.workflow)
    simulate = True if args.simulate else None
    if not args.follow:
        started = client.run_workflow(
            workflow_id, payload=payload, simulate=simulate, version=args.workflow_version
        )
        if args.json:
            print(json.dumps({"run_id": started, "workflow_id": workflow_id}))
        else:
            out.print(f"started run {started}; see its results with: b3os runs get {started}")
        return EXIT_OK
    run_id: str | None = None
    saw_end = False  # a terminal stream event; without it the stream was cut (proxy, network, restart)
    try:
        if not args.json:
            out.print(f"running {args.workflow} ({workflow_id}) …")
        for event in client.run_and_follow(
            workflow_id, payload=payload, simulate=simulate, version=args.workflow_version
        ):
            run_id = run_id or event.run_id
            if event.type == "run_final":
                if not saw_end:
                    print(
                        f"warning: the event stream of run {event.run_id} ended before the run did "
                        "(connection dropped or stream truncated); the final state below is read from the API",
                        file=sys.stderr,
                    )
                summary = summarize_run(event.data)
                if args.json:
                    print(json.dumps(summary.as_dict(), ensure_ascii=False, default=str))
                else:
                    print_run_summary(out, summary)
                return EXIT_OK if summary.succeeded else EXIT_ERROR
            saw_end = saw_end or event.is_terminal
            if not args.json:
                print_event(out, event)
    except KeyboardInterrupt:
        where = f"run {run_id}" if run_id else "the run"
        hint = f" Cancel it with: b3os runs cancel {run_id}" if run_id else ""
        print(f"\nstopped following; {where} goes on.{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_ERROR  # the stream ended without a final state: run_and_follow always yields one


def _runs(args: argparse.Namespace, client: Client, out: Console) -> int:
    if args.runs_command == "cancel":
        run = client.cancel_run(args.run_id)
        out.print(f"run {run.id}: {run.status}")
        return EXIT_OK
    summary = summarize_run(client.get_run(args.run_id))
    if args.json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False, default=str))
    else:
        print_run_summary(out, summary)
    return EXIT_OK if summary.succeeded else EXIT_ERROR
