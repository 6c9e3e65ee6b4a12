"""The ``b3os`` command: ``local``, ``validate``, ``plan``, ``apply``, ``run``, ``runs`` and ``actions``.

Exit codes follow ``terraform plan -detailed-exitcode``: 0 success with no changes, 2 success with
changes (plan only), 1 error. ``run`` exits 0 when the run succeeded, 1 when it failed or was
cancelled, 130 when interrupted (the run itself goes on). Every command exits 141 (128 + SIGPIPE),
silently, when the reader of its output goes away (``b3os run --json … --follow | head -c 10``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from b3os._version import __version__
from b3os.cli import actions
from b3os.cli.keys import API_KEY_HELP

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="b3os", description="B3OS workflows as infrastructure code.")
    parser.add_argument("--version", action="version", version=f"b3os-iac {__version__}")
    parser.add_argument(
        "--api-url", help="B3OS API base URL (default: $B3OS_API_URL or https://api.b3os.org)"
    )
    parser.add_argument("--api-key", metavar="SOURCE", help=API_KEY_HELP)
    parser.add_argument("--timeout", type=float, default=30.0, help="HTTP timeout in seconds (default 30)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # --api-key is accepted after the command too (`b3os plan dir --api-key prompt`).
    key_opt = argparse.ArgumentParser(add_help=False)
    key_opt.add_argument("--api-key", metavar="SOURCE", default=argparse.SUPPRESS, help=API_KEY_HELP)

    sub.add_parser(
        "local", help="run b3os-local, the local B3OS API (see `b3os local --help`)", add_help=False
    )

    for name, text in (
        ("validate", "check workflow files locally and with the server's validator; no changes"),
        ("plan", "show what apply would change; exit 0 = no changes, 2 = changes, 1 = error"),
        ("apply", "make B3OS match the workflow files"),
        ("adopt", "take over the workflows these files declare (from another owner, or none) and apply them"),
    ):
        p = sub.add_parser(name, help=text, description=text, parents=[key_opt])
        p.add_argument(
            "paths",
            nargs="+",
            metavar="FILE_OR_DIR",
            help="resource YAML/JSON files (kind: workflow by default) or directories",
        )
        p.add_argument("--json", action="store_true", help="machine-readable output for CI")
        p.add_argument(
            "--catalog",
            action="store_true",
            help="also check node types and payloads against the server's catalog",
        )
        if name != "validate":
            p.add_argument(
                "--parallelism", type=_positive, default=10, metavar="N",
                help="how many objects are read and written at once (default 10)",
            )  # fmt: skip
        if name == "validate":
            p.add_argument("--offline", action="store_true", help="only the local validator; no API calls")
        if name == "plan":
            p.add_argument(
                "--out", metavar="FILE", help="save the plan; `b3os apply FILE` applies exactly it"
            )
        if name in ("plan", "apply"):
            p.add_argument(
                "--prune",
                action="store_true",
                help="archive the workflows this directory owns whose files are gone",
            )
        if name in ("apply", "adopt"):
            p.add_argument(
                "--yes", "-y", action="store_true", help="apply without asking (a terminal asks otherwise)"
            )
            p.add_argument(
                "--no-progress", action="store_true",
                help="no progress display on stderr (shown for more than 10 changes: a bar on a terminal, "
                "one line per object otherwise)",
            )  # fmt: skip
            p.add_argument(
                "--lock-timeout", type=float, default=300.0, metavar="SECONDS",
                help="how long to wait for another run on the same directory (default 300)",
            )  # fmt: skip

    from b3os.cli.export import add_parsers as add_export_parsers
    from b3os.cli.export import add_version_parsers

    add_export_parsers(sub)
    add_version_parsers(sub)

    run = sub.add_parser(
        "run", help="start a run of a workflow, optionally following it live", parents=[key_opt]
    )
    run.add_argument("workflow", metavar="NAME_OR_ID")
    run.add_argument("--payload", default=None, help="JSON object, or @file with one")
    run.add_argument(
        "--simulate", action="store_true", help="dry run: catalog actions return simulated results"
    )
    run.add_argument(
        "--version",
        dest="workflow_version",
        type=int,
        help="run this version (default: draft if any, else live)",
    )
    run.add_argument("--follow", "-f", action="store_true", help="stream the run's events until it ends")
    run.add_argument("--json", action="store_true", help="machine-readable output")

    actions.register(sub)

    runs = sub.add_parser("runs", help="inspect and cancel runs", parents=[key_opt])
    runs_sub = runs.add_subparsers(dest="runs_command", required=True, metavar="ACTION")
    get = runs_sub.add_parser("get", help="print a run's status and node results", parents=[key_opt])
    get.add_argument("run_id", metavar="RUN_ID")
    get.add_argument("--json", action="store_true", help="machine-readable output")
    cancel = runs_sub.add_parser("cancel", help="cancel a running or waiting run", parents=[key_opt])
    cancel.add_argument("run_id", metavar="RUN_ID")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["local"]:
        from b3os.local.__main__ import main as local_main

        return int(local_main(args_list[1:]) or 0)
    from b3os.entrypoint import prepare

    prepare()
    args = _parser().parse_args(args_list)
    from b3os.cli import commands  # imported late: `b3os --help` stays instant

    try:
        return commands.dispatch(args)
    except BrokenPipeError:
        return _reader_went_away()


def _reader_went_away() -> int:
    """stdout was closed by its reader (`b3os … | head`): stop quietly, like any Unix tool.

    Python would print a BrokenPipeError traceback, and again when it flushes stdout at exit;
    pointing stdout at /dev/null makes that final flush a no-op. Exit 141 is 128 + SIGPIPE,
    what a shell reports for a tool killed by the broken pipe.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (captured in tests)
        pass
    return EXIT_BROKEN_PIPE
