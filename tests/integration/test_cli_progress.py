"""`b3os apply`'s progress display (issue 14): a transient rich bar when stderr is a terminal,
one plain line per object otherwise, none for small applies, --json or --no-progress; the
report on stdout is byte-for-byte what it is without a display, and no secret is printed."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from b3os.cli.progress import PROGRESS_MIN_CHANGES
from b3os.local import LocalServer
from tests.integration.test_cli import write_workflow

N = PROGRESS_MIN_CHANGES + 2
LINE = re.compile(r"^\[(\d+)/(\d+)\] (applied|failed|skipped) (.+)$")


def fleet(folder: Path, n: int = N) -> Path:
    folder.mkdir()
    for i in range(n):
        write_workflow(folder, f"prog-{i:02d}", f"Message {i}: {{{{$trigger.body.message}}}}")
    return folder


def env(server: LocalServer) -> dict[str, str]:
    return {**os.environ, "B3OS_API_URL": server.url, "B3OS_API_KEY": server.api_key, "NO_COLOR": "1"}


def apply_piped(server: LocalServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "b3os.cli", "apply", "--yes", *args],
        env=env(server), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def apply_with_terminal_stderr(server: LocalServer, *args: str) -> tuple[int, str, str]:
    """stdout a pipe (the report), stderr a pseudo-terminal (where the bar draws)."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "b3os.cli", "apply", "--yes", *args],
            env={**env(server), "COLUMNS": "100", "TERM": "xterm"},
            stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(follower)
        chunks: list[bytes] = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
        stdout = proc.stdout.read().decode() if proc.stdout else ""
        code = proc.wait(timeout=120)
    finally:
        os.close(leader)
    return code, stdout, b"".join(chunks).decode(errors="replace")


def test_piped_stderr_gets_one_plain_line_per_object_and_the_report_is_unchanged(
    b3os_local: LocalServer, tmp_path: Path
) -> None:
    b3os_local.reset()
    quiet = apply_piped(b3os_local, "--no-progress", str(fleet(tmp_path / "a")))
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    b3os_local.reset()
    shown = apply_piped(b3os_local, str(fleet(tmp_path / "b")))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.replace(str(tmp_path / "b"), "DIR") == quiet.stdout.replace(
        str(tmp_path / "a"), "DIR"
    )
    lines = shown.stderr.splitlines()
    assert len(lines) == N
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [int(m.group(1)) for m in parsed if m] == list(range(1, N + 1))  # counted as they finish
    assert {m.group(2) for m in parsed if m} == {str(N)}
    assert sorted(Path(m.group(4)).name for m in parsed if m) == sorted(
        f"prog-{i:02d}.yaml" for i in range(N)
    )
    assert b3os_local.api_key not in shown.stdout + shown.stderr


def test_terminal_stderr_gets_a_transient_bar_and_the_same_report(
    b3os_local: LocalServer, tmp_path: Path
) -> None:
    b3os_local.reset()
    piped = apply_piped(b3os_local, "--no-progress", str(fleet(tmp_path / "a")))
    b3os_local.reset()
    code, stdout, terminal = apply_with_terminal_stderr(b3os_local, str(fleet(tmp_path / "b")))
    assert code == 0, terminal
    assert stdout.replace(str(tmp_path / "b"), "DIR") == piped.stdout.replace(str(tmp_path / "a"), "DIR")
    assert "applying" in terminal and f"/{N}" in terminal  # the bar: done/total
    assert not LINE.search(terminal.replace("\r", "\n"))  # not the plain lines
    assert b3os_local.api_key not in stdout + terminal


@pytest.mark.parametrize("flag", ["--json", "--no-progress"])
def test_json_and_no_progress_show_nothing_on_stderr(
    b3os_local: LocalServer, tmp_path: Path, flag: str
) -> None:
    b3os_local.reset()
    result = apply_piped(b3os_local, flag, str(fleet(tmp_path / "a")))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    if flag == "--json":
        import json

        assert json.loads(result.stdout)  # stdout is the one JSON document


def test_a_small_apply_shows_no_progress(b3os_local: LocalServer, tmp_path: Path) -> None:
    b3os_local.reset()
    result = apply_piped(b3os_local, str(fleet(tmp_path / "a", PROGRESS_MIN_CHANGES)))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_failures_are_counted_lines_and_their_errors_only_in_the_report(
    b3os_local: LocalServer, tmp_path: Path
) -> None:
    b3os_local.reset()
    folder = fleet(tmp_path / "a")
    b3os_local.inject_faults(error_rate=1.0, statuses=[400], retry_after=None, latency_ms=0, path="/publish")
    try:
        result = apply_piped(b3os_local, str(folder))
    finally:
        b3os_local.clear_faults()
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == N and all(LINE.match(line) for line in lines), lines
    assert all(" failed " in line for line in lines)
    assert (
        "failed:" in result.stdout and f"{N} of {N} workflow" in result.stdout
    )  # the report has the reasons
    assert b3os_local.api_key not in result.stdout + result.stderr
