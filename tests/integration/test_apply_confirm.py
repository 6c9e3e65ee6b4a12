"""`b3os apply DIR` in a terminal shows the plan and asks, like `terraform apply`; --yes, a pipe or
CI=true do not ask."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import yaml

from b3os.local import LocalServer
from tests.support import QUICKSTART_DEFINITION, Calls


def _in_terminal(server: LocalServer, args: list[str], answer: str) -> tuple[int, str]:
    main, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(B3OS_API_URL=server.url, B3OS_API_KEY=server.api_key, NO_COLOR="1", TERM="dumb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "b3os.cli", *args],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    seen, deadline, answered = b"", time.monotonic() + 60, False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if not answered and b"Only 'yes' will be accepted" in seen:
            os.write(main, answer.encode() + b"\n")
            answered = True
        if proc.poll() is not None and not ready:
            break
    code = proc.wait(timeout=30)
    os.close(main)
    return code, seen.decode(errors="replace")


def test_apply_in_a_terminal_asks_and_only_yes_writes(
    b3os_local: LocalServer, b3os_client: object, tmp_path: Path
) -> None:
    doc = {"name": "asked", "definition": QUICKSTART_DEFINITION}
    (tmp_path / "asked.yaml").write_text(yaml.safe_dump(doc))
    b3os_local.clear_requests()
    code, output = _in_terminal(b3os_local, ["apply", str(tmp_path)], "no")
    assert code == 1 and "create, publish" in output and "nothing was written" in output, output
    assert Calls.of(b3os_local.requests()).writes == 0
    code, output = _in_terminal(b3os_local, ["apply", str(tmp_path)], "yes")
    assert code == 0 and "2 write(s) applied" in output, output
