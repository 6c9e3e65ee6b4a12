"""The README's CLI quickstart, executed line by line exactly as written, against b3os-local."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from b3os.local import LocalServer
from tests.support import Calls

ROOT = Path(__file__).resolve().parents[2]


def cli_block() -> list[str]:
    """The commands of the first bash block after '### The CLI' that starts with `b3os`."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### The CLI", 1)[1]
    for block in re.findall(r"```bash\n(.*?)```", section, re.DOTALL):
        lines = [line.split("  #")[0].strip() for line in block.splitlines()]
        commands = [line for line in lines if line]
        if commands and commands[0].startswith("b3os "):
            return commands
    raise AssertionError("no b3os command block under '### The CLI' in README.md")


def test_readme_cli_quickstart_runs_as_written(b3os_local: LocalServer) -> None:
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "B3OS_API_URL": b3os_local.url,
        "B3OS_API_KEY": b3os_local.api_key,
        "NO_COLOR": "1",
    }
    outputs: list[str] = []
    run_id = None
    for command in cli_block():
        if "run_…" in command:
            assert run_id, "the README runs `b3os runs get` after a run"
            command = command.replace("run_…", run_id)
        proc = subprocess.run(
            command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        outputs.append(proc.stdout)
        expected = 2 if command.startswith("b3os plan") and len(outputs) == 1 else 0
        assert proc.returncode == expected, f"{command}\n{proc.stdout}{proc.stderr}"
        found = re.search(r"^run (run_\w+):", proc.stdout, re.MULTILINE)
        run_id = found.group(1) if found else run_id
    assert "Incoming message: Hello from the API" in "".join(outputs)
    b3os_local.clear_requests()
    again = subprocess.run(
        "b3os apply examples/cli-quickstart", shell=True, cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert again.returncode == 0 and "No changes" in again.stdout
    assert Calls.of(b3os_local.requests()).writes == 0
