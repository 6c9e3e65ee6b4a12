"""Where the CLI's API key comes from: ``$B3OS_API_KEY``, or ``--api-key SOURCE``.

SOURCE is one of:

* ``prompt``: ask on the terminal, without echo (``getpass``);
* ``-``: the first line of standard input (``printenv CI_KEY | b3os apply --api-key - dir``);
* ``env:NAME``: the environment variable NAME (a CI secret under another name);
* anything else is taken as the key itself. That works, but a literal key lands in the shell
  history and in ``ps`` output for every user of the machine: the help says to prefer the others.

The key is never printed: every error message of the CLI is scanned for it (``redact_text``).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from b3os.errors import ConfigError

__all__ = ["API_KEY_HELP", "MISSING_KEY_HINT", "api_key_of", "require_api_key"]

API_KEY_HELP = (
    "where to read the API key from (default: $B3OS_API_KEY): 'prompt' asks without echo, '-' reads "
    "the first line of standard input, 'env:NAME' reads variable NAME. A literal key also works but "
    "is visible in your shell history and to other users in `ps`: avoid it"
)
MISSING_KEY_HINT = (
    "no B3OS API key: set B3OS_API_KEY, or pass --api-key prompt (asks without echo), "
    "--api-key - (reads standard input) or --api-key env:NAME"
)


def api_key_of(args: argparse.Namespace) -> str:
    """The key the command line points at ("" when there is none)."""
    source: str | None = getattr(args, "api_key", None)
    if source is None:
        return os.environ.get("B3OS_API_KEY", "").strip()
    if source == "prompt":
        if not sys.stdin.isatty():
            raise ConfigError(
                "--api-key prompt needs a terminal; in scripts use --api-key - (standard input) "
                "or --api-key env:NAME"
            )
        return getpass.getpass("B3OS API key: ").strip()
    if source == "-":
        line = sys.stdin.readline().strip()
        if not line:
            raise ConfigError("--api-key -: standard input held no key (an empty first line)")
        return line
    if source.startswith("env:"):
        name = source[4:]
        value = os.environ.get(name, "").strip() if name else ""
        if not value:
            raise ConfigError(f"--api-key env:{name}: the variable is not set or empty")
        return value
    return source.strip()


def require_api_key(key: str) -> str:
    """The key, or ConfigError with the CLI's own hint (the Client's names its Python argument)."""
    if not key:
        raise ConfigError(MISSING_KEY_HINT)
    return key
