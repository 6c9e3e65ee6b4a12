"""Where the CLI's text goes: rich on a terminal, plain writes everywhere else.

The CLI's messages are written in rich markup (``[green]+ workflow …[/]``), user text escaped
with ``escape``. On a terminal a rich ``Console`` renders the colours. Anywhere else (CI logs,
pipes, files, tests) rich would print the same text without styles, so ``PlainConsole`` does
that itself: it strips the tags the way rich parses them, and the process never imports rich
(~40 ms of start-up) nor renders each report line through it (~0.3 ms a line). ``FORCE_COLOR``
asks for rich, and its colours, off a terminal too, as rich itself honours it.

A plain line also loses the control characters a terminal would act on (escape sequences,
carriage returns, backspaces: a workflow named ``"a\\rb"`` cannot rewrite the line it is
printed on), as rich drops those it knows of.
"""

from __future__ import annotations

import os
import re
import sys
from typing import IO, Any, Protocol

__all__ = ["Output", "PlainConsole", "console", "escape", "strip_markup"]


class Output(Protocol):
    """What the CLI needs of a console: rich's ``Console`` and ``PlainConsole`` both are one."""

    @property
    def is_terminal(self) -> bool: ...

    @property
    def file(self) -> IO[str]: ...

    def print(self, *objects: Any, sep: str = " ", end: str = "\n", markup: bool | None = None) -> None: ...


# rich.markup's own patterns: a tag is ``[`` + a lowercase letter, ``#``, ``/`` or ``@`` … ``]``,
# escaped by an odd number of backslashes before it.
_ESCAPE = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")
_TAGS = re.compile(r"(\\*)\[([a-z#/@][^[]*?)]")
# C0 controls but tab and newline, DEL and the C1 controls (ESC starts a terminal sequence).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape(text: str) -> str:
    """``text`` safe inside markup: the same escaping as ``rich.markup.escape``."""
    text = _ESCAPE.sub(lambda m: f"{m.group(1)}{m.group(1)}\\{m.group(2)}", text)
    if text.endswith("\\") and not text.endswith("\\\\"):
        return text + "\\"
    return text


def strip_markup(markup: str) -> str:
    """The text rich would print for ``markup``, without its styles (``rich.markup``'s parse)."""
    out: list[str] = []
    position = 0
    for match in _TAGS.finditer(markup):
        start, end = match.span()
        out.append(markup[position:start].replace("\\[", "["))  # an escaped bracket that is no tag
        backslashes, escaped = divmod(len(match.group(1)), 2)
        out.append("\\" * backslashes)
        if escaped:
            out.append(f"[{match.group(2)}]")
        position = end
    out.append(markup[position:].replace("\\[", "["))
    return "".join(out)


class PlainConsole:
    """The rich ``Console`` calls the CLI makes, as plain writes to a stream that is not a terminal.

    A closed pipe raises ``BrokenPipeError`` to ``b3os.cli.main`` (one exit code, 141), as the
    rich console of a terminal is made to."""

    is_terminal = False

    def __init__(self, *, stderr: bool = False, file: IO[str] | None = None) -> None:
        self._file = file
        self._stderr = stderr

    @property
    def file(self) -> IO[str]:
        if self._file is not None:
            return self._file
        return sys.stderr if self._stderr else sys.stdout  # looked up late, as rich does (tests swap them)

    def print(self, *objects: Any, sep: str = " ", end: str = "\n", markup: bool | None = None) -> None:
        texts = (str(o) for o in objects)
        text = sep.join(t if markup is False else strip_markup(t) for t in texts)
        stream = self.file
        stream.write(_CONTROL.sub("", text) + end)
        stream.flush()  # as rich does: `b3os run --follow | tee log` shows each event as it comes


def _wants_rich(stream: IO[str]) -> bool:
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a stream without a descriptor, or closed
        return False


def console(*, stderr: bool = False) -> Output:
    """The console for stdout (or stderr): rich on a terminal, ``PlainConsole`` otherwise."""
    if not _wants_rich(sys.stderr if stderr else sys.stdout):
        return PlainConsole(stderr=stderr)
    from b3os.cli.terminal import PipeConsole

    return PipeConsole(stderr=stderr, highlight=False, soft_wrap=True, emoji=False)
