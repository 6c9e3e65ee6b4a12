"""docs/node-reference.md is generated from the catalog table and committed up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from b3os import catalog

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "node-reference.md"


def test_the_committed_node_reference_is_what_the_script_writes() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen-node-reference"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_the_reference_names_every_node_type_and_its_required_fields() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for node_type, entry in catalog.NODE_TYPES.items():
        assert f"### `{node_type}`" in text
        for field in entry["payloadSchema"].get("required", []):
            assert f"| `{field}` |" in text, (node_type, field)
    assert "| `delayMs` | integer | yes |" in text  # the new-user question: what does delay take?
