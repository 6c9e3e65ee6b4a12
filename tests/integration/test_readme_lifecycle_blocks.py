"""The README's "Bring existing workflows into code" and "Removing and rolling back" blocks,
executed line by line exactly as written, against b3os-local with workflows made "in the app"."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from b3os.client import Client
from b3os.local import LocalServer
from tests.support import with_message

ROOT = Path(__file__).resolve().parents[2]


def block(heading: str) -> list[str]:
    section = (ROOT / "README.md").read_text().split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```bash\n(.*?)```", section, re.DOTALL)
    return [line.split("  #")[0].strip() for line in code.splitlines() if line.strip()]


def test_readme_export_prune_and_rollback_run_as_written(
    b3os_local: LocalServer, b3os_client: Client, tmp_path: Path
) -> None:
    api = b3os_client
    orders = api.create_workflow("orders", "made in the app", with_message("v1 {{$trigger.body.message}}"))
    api.publish(orders.id)
    api.update_workflow(orders.id, definition=with_message("v2 {{$trigger.body.message}}"))
    api.publish(orders.id)
    invoices = api.create_workflow("invoices", "", with_message("invoices"))
    api.publish(invoices.id)
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "B3OS_API_URL": b3os_local.url,
        "B3OS_API_KEY": b3os_local.api_key,
        "NO_COLOR": "1",
    }
    outputs = []
    for command in [*block("Bring existing workflows into code"), *block("Removing and rolling back")]:
        proc = subprocess.run(
            command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, f"{command}\n{proc.stdout}{proc.stderr}"
        outputs.append(proc.stdout)
    text = "\n".join(outputs)
    assert "Owned but not declared (1)" in text and "archive (file removed)" in text
    assert api.get_workflow(invoices.id).status == "archived"
    live = api.get_live(orders.id)
    assert live.definition is not None
    assert live.model_dump(by_alias=True)["definition"]["nodes"]["log_message"]["payload"][
        "message"
    ].startswith("v1")
    assert (tmp_path / "team-pulumi" / "__main__.py").is_file()
