"""No process outlives the test that started it.

Crash tests kill -9 a front end in the middle of its work, like a CI runner. ``os.killpg`` is
not enough for that: the Pulumi CLI starts its language host and providers in process groups
of their own, and ansible-playbook's workers call ``setsid``, so a group kill leaves them
running, re-parented to PID 1, for good. Here:

* the test process becomes a *child subreaper* (Linux ``PR_SET_CHILD_SUBREAPER``): whatever a
  test starts and then orphans is re-parented to the test process instead of PID 1, so it can
  be found (and its exit reaped);
* :func:`kill_tree` freezes (SIGSTOP) a process and every descendant, across process groups
  and sessions, until no new one appears, then SIGKILLs them all and reaps its own children;
* the reliability suite's autouse fixture (``conftest.no_process_left_behind``) fails any test
  that leaves a child behind, after killing it, so repeated runs never accumulate processes.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["children", "descendants", "enable_subreaper", "kill_tree", "reap", "describe"]

_PR_SET_CHILD_SUBREAPER = 36


def enable_subreaper() -> bool:
    """Orphans of this process's descendants become its children (Linux only; False elsewhere)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)


def _parents() -> dict[int, int]:
    """pid -> ppid of every process (read from /proc; processes gone meanwhile are skipped)."""
    out: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name (field 2) may hold spaces and parentheses: ppid follows the last ')'
        fields = stat[stat.rfind(")") + 2 :].split()
        out[int(entry.name)] = int(fields[1])
    return out


def descendants(pid: int) -> set[int]:
    parents = _parents()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier and p not in found}
        found |= frontier
    return found


def children(pid: int | None = None) -> set[int]:
    """Direct children of ``pid`` (default: this process), zombies included."""
    me = os.getpid() if pid is None else pid
    return {p for p, pp in _parents().items() if pp == me}


def describe(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return f"{pid} (gone)"
    command = raw.replace(b"\0", b" ").decode(errors="replace").strip()
    return f"{pid} {command or '(zombie)'}"


def _signal(pids: set[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def reap() -> None:
    """Collect the exit status of every dead child (orphans re-parented here become zombies)."""
    for pid in children():
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def kill_tree(root: int | subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """kill -9 of ``root`` and everything it started, whatever process group or session."""
    proc = root if isinstance(root, subprocess.Popen) else None
    pid = proc.pid if proc is not None else int(root)  # type: ignore[arg-type]
    frozen: set[int] = set()
    for _ in range(50):  # freeze until the tree stops growing (a stopped process cannot fork)
        tree = ({pid} | descendants(pid)) - frozen
        if not tree:
            break
        _signal(tree, signal.SIGSTOP)
        frozen |= tree
    # SIGSTOP'd orphans (parent killed first) are re-parented here, which is what we want.
    _signal(frozen, signal.SIGKILL)
    if proc is not None:
        proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        reap()
        alive = {p for p in frozen if Path(f"/proc/{p}").exists() and not _is_zombie(p)}
        if not alive:
            break
        time.sleep(0.05)
    reap()


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2 :].split()[0] in ("Z", "X")
