"""Crash tests kill -9 a whole process tree, whatever process groups and sessions it made, and
leave nothing running (the Pulumi CLI puts its plugins in groups of their own; ansible-playbook's
workers call setsid): a group kill alone left them running, re-parented to PID 1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.reliability import processes

# A parent (in its own session, like the spawned front ends) with a child that escapes into a
# session of its own and a grandchild in a new process group: like pulumi's plugins.
_TREE = r"""
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", '''
import os, subprocess, sys, time
os.setsid()
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], process_group=0)
time.sleep(600)
'''])
print("ready", flush=True)
time.sleep(600)
"""


def _spawn_tree(tmp_path: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", _TREE], stdout=subprocess.PIPE, start_new_session=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
    deadline = time.monotonic() + 10
    while len(processes.descendants(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(processes.descendants(proc.pid)) == 2
    return proc


def test_kill_tree_of_a_crash_test_leaves_no_process_of_any_group_or_session(tmp_path: Path) -> None:
    proc = _spawn_tree(tmp_path)
    tree = processes.descendants(proc.pid)
    processes.kill_tree(proc)
    alive = [pid for pid in tree if Path(f"/proc/{pid}").exists()]
    assert not alive, [processes.describe(pid) for pid in alive]
    assert not processes.children() & tree


def test_a_group_kill_alone_would_leave_the_tree_running(tmp_path: Path) -> None:
    """Why kill_tree exists: os.killpg (what the crash tests did) misses the other groups."""
    proc = _spawn_tree(tmp_path)
    tree = processes.descendants(proc.pid)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    time.sleep(0.2)
    survivors = {pid for pid in tree if Path(f"/proc/{pid}").exists()}
    try:
        assert survivors, "the escaped processes survive a group kill"
        # and, thanks to the subreaper, they are now children of the test process: findable
        assert survivors & processes.children()
    finally:
        for pid in survivors:
            processes.kill_tree(pid)
    assert not [pid for pid in tree if Path(f"/proc/{pid}").exists()]
