"""What a kind costs: one module in b3os/kinds plus registrations; no front end branches on a kind.

The three kinds added after Workflow (connector, execution_webhook, workflow_variable) are the
evidence: each is one module and a line in the registry; front-end files name them only in
registration lines (Pulumi's dynamic resource classes) and in generated documentation (Ansible).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from b3os.kinds import KINDS
from b3os.resource.simple import SimpleKind

ROOT = Path(__file__).resolve().parents[2]
NEW_KINDS = [k for k in KINDS if isinstance(k, SimpleKind)]
# Front-end code that must stay generic: it may name a kind only in the registration lines below.
FRONT_ENDS = [
    *sorted((ROOT / "b3os" / "cli").glob("*.py")),
    *sorted((ROOT / "pulumi_b3os").rglob("*.py")),
    *sorted((ROOT / "ansible_collection" / "plugins" / "module_utils").glob("*.py")),
    *sorted((ROOT / "ansible_collection" / "plugins" / "action").glob("*.py")),
]
REGISTRATION = {  # file -> how many lines may name one kind there (class + resource + exports)
    "pulumi_b3os/kinds.py": 6,
    "pulumi_b3os/__init__.py": 4,
}


def test_every_kind_is_one_module_plus_a_registration_line() -> None:
    registry = (ROOT / "b3os" / "kinds" / "__init__.py").read_text()
    for kind in KINDS:
        module = ROOT / "b3os" / "kinds" / f"{kind.name}.py"
        assert module.is_file(), kind.name
        assert registry.count(f"{type(kind).__name__}()") == 1, kind.name


@pytest.mark.parametrize("kind", NEW_KINDS, ids=[k.name for k in NEW_KINDS])
def test_front_ends_name_a_kind_only_where_it_is_registered(kind: SimpleKind) -> None:
    pattern = re.compile(rf"\b({re.escape(kind.name)}|{re.escape(kind.token)}\w*)\b")
    for path in FRONT_ENDS:
        rel = path.relative_to(ROOT).as_posix()
        lines = [line for line in _code_lines(path) if pattern.search(line)]
        assert len(lines) <= REGISTRATION.get(rel, 0), (rel, lines)


def _code_lines(path: Path) -> list[str]:
    """The file's lines without docstrings and comments (documentation may name any kind)."""
    text = path.read_text()
    docs: set[int] = set()
    for node in ast.walk(ast.parse(text)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            docs.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return [
        line
        for number, line in enumerate(text.splitlines(), start=1)
        if number not in docs and not line.lstrip().startswith("#")
    ]


@pytest.mark.parametrize("kind", NEW_KINDS, ids=[k.name for k in NEW_KINDS])
def test_a_kind_module_is_small(kind: SimpleKind) -> None:
    # Field table + API adapter: everything else is the shared engine's.
    lines = [
        line
        for line in (ROOT / "b3os" / "kinds" / f"{kind.name}.py").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert len(lines) < 200, len(lines)
