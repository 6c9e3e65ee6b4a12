"""The CLI's commands: thin mappings onto b3os.workflow (plan/apply) and the client (runs)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from b3os.client import Client
from b3os.errors import B3OSError, ConfigError, DefinitionError
from b3os.redact import redact_text
from b3os.resource.files import Declared, load_files
from b3os.resource.fleet import Outcome, Planned
from b3os.runs import summarize_run
from b3os.workflow import Plan, WorkflowSpec, read, validate_on_server, validate_plans

from . import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, actions
from .jsonout import plan_document
from .keys import api_key_of, require_api_key
from .output import Output, console, escape
from .render import plan_lines, print_event, print_run_summary

__all__ = ["dispatch"]


def dispatch(args: argparse.Namespace) -> int:
    out, err = console(), console(stderr=True)
    api_key = ""
    try:
        offline = (args.command == "validate" and args.offline) or args.command == "actions"  # no key needed
        api_key = args.resolved_api_key = "" if offline else api_key_of(args)
        if args.command in ("plan", "apply", "adopt"):
            from b3os.cli.lifecycle import plan_apply

            return plan_apply(args, out, err)
        if args.command == "validate":
            return _declared(args, out)
        if args.command == "actions":
            return actions.run(args)
        client = _client(args)
        with client:
            if args.command == "run":
                return _run(args, client, out)
            if args.command in ("export", "versions", "rollback"):
                from b3os.cli import export as lifecycle_commands

                runner = {
                    "export": lifecycle_commands.run_export,
                    "versions": lifecycle_commands.run_versions,
                }
                return runner.get(args.command, lifecycle_commands.run_rollback)(args, client, out)
            return _runs(args, client, out)
    except DefinitionError as exc:
        err.print(f"[red]error:[/] {escape(redact_text(exc.message, [api_key]))}", markup=True)
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
    return Client(base_url=args.api_url, api_key=require_api_key(args.resolved_api_key), timeout=args.timeout)


def _declared(args: argparse.Namespace, out: Output) -> int:
    """``b3os validate``: every file locally, then (unless --offline) the server's validator."""
    declared = load_files(args.paths)  # every file is read and checked locally before any request
    check_catalog(args, declared)
    if not args.offline:
        with _client(args) as client:
            for item in declared:
                if item.kind.name == "workflow":
                    validate_on_server(client, item.spec)
    return _report_valid(args, out, declared)


def check_catalog(args: argparse.Namespace, declared: list[Declared]) -> None:
    """With --catalog: node types and payloads against the server's catalog, before any other request."""
    if getattr(args, "catalog", False):
        actions.check_against_catalog(args, [(d.path, d.spec) for d in declared if d.kind.name == "workflow"])


def _validate(client: Client, plans: Sequence[Any], parallelism: int) -> None:
    """The validation phase of plan/apply: the workflow layer's (shared with the bulk module)."""
    validate_plans(client, [p for p in plans if isinstance(p, Plan)], parallelism=parallelism)


def _report_valid(args: argparse.Namespace, out: Output, declared: list[Declared]) -> int:
    for item in declared:
        if not args.json:
            out.print(
                f"[green]valid[/] {escape(item.kind.label(item.spec))}  [dim]{escape(str(item.path))}[/dim]"
            )
    if args.json:
        print(json.dumps({"valid": True, "files": [str(item.path) for item in declared]}))
    return EXIT_OK


_PRINT_CHUNK = 500  # lines per Console.print of a plan report


def _report(
    args: argparse.Namespace,
    out: Output,
    items: Sequence[tuple[Planned, Outcome | None]],
    *,
    applied: bool = False,
    undeclared: Sequence[dict[str, Any]] | None = None,
) -> None:
    if args.json:
        doc = plan_document("apply" if applied else "plan", items, undeclared)
        print(json.dumps(doc, ensure_ascii=False, default=str))
        return
    lines: list[str] = []
    for planned, outcome in items:
        lines += plan_lines(planned.path, planned.plan, planned.declared.kind.name)
        if outcome is not None and not outcome.ok:
            reason = outcome.skipped or redact_text(str(outcome.error))
            lines.append(f"    [red]failed:[/] {escape(reason)}")
    for start in range(0, len(lines), _PRINT_CHUNK):  # rich renders each print on its own: few, big
        out.print("\n".join(lines[start : start + _PRINT_CHUNK]))
    failed = [o for _, o in items if o is not None and not o.ok]
    done = [p for p, o in items if p.plan.changed and (o is None or o.ok)]
    writes = sum(p.plan.writes for p in done)
    verb = "applied" if applied else "to apply"
    noun = _noun(p.declared.kind.name for p, _ in items)
    if failed:
        out.print(
            f"\n{len(failed)} of {len(items)} {noun} failed (nothing else was written for them); "
            f"{len(done)} changed, {writes} write(s) applied. Re-running is safe."
        )
    elif done:
        out.print(f"\n{len(done)} of {len(items)} {noun} changed, {writes} write(s) {verb}.")
    else:
        out.print(f"\nNo changes: {len(items)} {noun} match their files.")


def _noun(kinds: Any) -> str:
    names = set(kinds)
    return "workflow(s)" if names <= {"workflow"} else "resource(s)"


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


def _run(args: argparse.Namespace, client: Client, out: Output) -> int:
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
            out.print(f"started run {started}; see its results with: b3os runs get {started}", markup=False)
        return EXIT_OK
    run_id: str | None = None
    saw_end = False  # a terminal stream event; without it the stream was cut (proxy, network, restart)
    try:
        if not args.json:
            out.print(f"running {args.workflow} ({workflow_id}) …", markup=False)
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


def _runs(args: argparse.Namespace, client: Client, out: Output) -> int:
    if args.runs_command == "cancel":
        run = client.cancel_run(args.run_id)
        out.print(f"run {run.id}: {run.status}", markup=False)
        return EXIT_OK
    summary = summarize_run(client.get_run(args.run_id))
    if args.json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False, default=str))
    else:
        print_run_summary(out, summary)
    return EXIT_OK if summary.succeeded else EXIT_ERROR
