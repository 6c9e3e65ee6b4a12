"""What every benchmarked tool provides: its steps, and the command that runs one of them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from b3os.local import LocalServer
from bench.fleet import Fleet

__all__ = ["Context", "DEFAULT_STEPS", "Tool"]

# (reported step, fleet step): the fleet step says which desired state the command declares.
DEFAULT_STEPS: tuple[tuple[str, str], ...] = (
    ("create", "create"),
    ("noop", "noop"),
    ("change", "change"),
    ("pause", "pause"),
    ("archive", "archive"),
)


@dataclass(frozen=True)
class Context:
    """One sequence of steps: a scratch directory and the environment the tool runs with."""

    workdir: Path
    env: dict[str, str]
    server: LocalServer  # tools that need their own organization create it here


class Tool(Protocol):
    name: str
    title: str
    steps: tuple[tuple[str, str], ...]
    ours: bool  # a b3os-iac front end (the targets apply), not a comparison point

    def unavailable(self) -> str | None:
        """Why this tool cannot run here (missing CLI, package not landed), or ``None``."""
        ...

    def setup(self, ctx: Context) -> None:
        """Prepare a fresh sequence (per-sequence state such as a Pulumi stack)."""
        ...

    def command(self, ctx: Context, step: str, fleet: Fleet) -> list[str]:
        """Write the inputs that declare ``fleet`` and return the command for ``step``."""
        ...

    def teardown(self, ctx: Context) -> None: ...
