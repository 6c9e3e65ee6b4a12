"""The CLI's plain console (b3os.cli.output): the text rich would print, without rich."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.errors import MarkupError
from rich.markup import escape as rich_escape
from rich.text import Text

from b3os.cli.output import PlainConsole, console, escape, strip_markup

# Text made of what markup is made of: brackets, backslashes, tag-like words, slashes.
_PIECES = st.sampled_from(["[", "]", "\\", "/", "red", "bold", "a", " ", "[/]", "[dim]", "=", "@", "#", "é"])
markup_like = st.lists(_PIECES, max_size=14).map("".join)


@settings(max_examples=400, deadline=None)
@given(markup_like)
def test_escape_is_riches(text: str) -> None:
    assert escape(text) == rich_escape(text)


@settings(max_examples=600, deadline=None)
@given(markup_like)
def test_strip_markup_prints_what_rich_prints(markup: str) -> None:
    try:
        expected = Text.from_markup(markup, emoji=False).plain
    except MarkupError:  # rich refuses unbalanced closing tags; the CLI never writes one
        return
    assert strip_markup(markup) == expected


def _rich_plain(*objects: str, **kwargs: object) -> str:
    buffer = io.StringIO()
    Console(file=buffer, highlight=False, soft_wrap=True, emoji=False, color_system=None).print(
        *objects, **kwargs
    )  # type: ignore[arg-type]
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("objects", "kwargs"),
    [
        (("[bold green]+ workflow 'orders'[/]: create, publish  [dim]wf/orders.yaml[/dim]",), {}),
        (("[red]error:[/] ",), {"end": ""}),
        (("a [b] c", "[x]"), {"markup": False}),
        ((f"  [yellow]~[/] {escape('description: [draft] -> [live]')}",), {}),
        (("one", "two"), {"sep": ", "}),
    ],
)
def test_plain_console_writes_what_a_rich_console_writes_off_a_terminal(
    objects: tuple[str, ...], kwargs: dict[str, object]
) -> None:
    buffer = io.StringIO()
    PlainConsole(file=buffer).print(*objects, **kwargs)  # type: ignore[arg-type]
    assert buffer.getvalue() == _rich_plain(*objects, **kwargs)


def test_control_characters_never_reach_the_stream() -> None:
    # A name can hold anything the API accepts: none of it may move the cursor or recolour the log.
    buffer = io.StringIO()
    PlainConsole(file=buffer).print(escape("evil\r\x1b[2Kname\x08\x07\x9b31m\tok"))
    assert buffer.getvalue() == "evil[2Kname31m\tok\n"


def test_a_terminal_gets_rich_anything_else_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stream(io.StringIO):
        def __init__(self, tty: bool) -> None:
            super().__init__()
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setattr(sys, "stdout", Stream(tty=False))
    monkeypatch.setattr(sys, "stderr", Stream(tty=True))
    assert isinstance(console(), PlainConsole)
    assert isinstance(console(stderr=True), Console)
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich's own switch: colours off a terminal too
    assert isinstance(console(), Console)


def test_a_plain_console_raises_broken_pipe() -> None:
    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    with pytest.raises(BrokenPipeError):
        PlainConsole(file=Closed()).print("x")


def test_apply_off_a_terminal_never_imports_rich(tmp_path: Path) -> None:
    # `b3os validate --offline` walks the same output path as apply's report, without a server.
    (tmp_path / "wf.yaml").write_text(
        "name: orders\ndefinition:\n  nodes:\n    root: {type: manual, payload: {}}\n",
        encoding="utf-8",
    )
    code = (
        "import sys, json, io, contextlib\n"
        "from b3os.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    rc = main(['validate', '--offline', {str(tmp_path / 'wf.yaml')!r}])\n"
        "print(json.dumps({'rc': rc, 'out': out.getvalue(), 'rich': 'rich' in sys.modules}))"
    )
    env = {"PATH": "/usr/bin:/bin", "FORCE_COLOR": ""}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    result = json.loads(done.stdout)
    assert result["rc"] == 0, result
    assert result["out"] == f"valid 'orders'  {tmp_path / 'wf.yaml'}\n"
    assert result["rich"] is False


def test_an_error_message_keeps_its_brackets(tmp_path: Path) -> None:
    # The validator's messages quote patterns like ^[a-z0-9][a-z0-9-]*$: text, not markup tags.
    (tmp_path / "wf.yaml").write_text(
        "name: orders\ndefinition:\n  nodes:\n    root: {type: Manual_Trigger, payload: {}}\n",
        encoding="utf-8",
    )
    b3os = Path(sys.executable).with_name("b3os")
    done = subprocess.run(
        [str(b3os), "validate", "--offline", str(tmp_path / "wf.yaml")], capture_output=True, text=True
    )
    assert done.returncode == 1
    first = done.stderr.splitlines()[0]
    assert first.startswith("error: ") and "(^[a-z0-9][a-z0-9-]*$)" in first, done.stderr


def test_each_print_reaches_the_stream_at_once() -> None:
    # Block-buffered stdout (a pipe, PYTHONUNBUFFERED unset) must still show a followed run live.
    class Recording(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.flushed: list[str] = []

        def flush(self) -> None:
            self.flushed.append(self.getvalue())

    stream = Recording()
    console_ = PlainConsole(file=stream)
    console_.print("[cyan]run_started[/]")
    console_.print("node_completed")
    assert stream.flushed == ["run_started\n", "run_started\nnode_completed\n"]
