"""The CLI's rich console, for a terminal (``b3os.cli.output.console`` picks it)."""

from __future__ import annotations

from rich.console import Console

__all__ = ["PipeConsole"]


class PipeConsole(Console):
    """A rich Console that lets a closed pipe reach ``b3os.cli.main`` (one exit code, 141),
    instead of rich's own silent exit 1."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError
