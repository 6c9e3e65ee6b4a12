"""The kind modules are what their field tables say: options, types, choices, no_log — no drift."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from b3os.kinds import KINDS
from b3os.resource.simple import SimpleKind

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "ansible_collection" / "plugins" / "modules"
SIMPLE = [k for k in KINDS if isinstance(k, SimpleKind)]


def test_generated_modules_are_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "ansible_kinds.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _module(name: str) -> tuple[dict[str, object], dict[str, dict[str, object]]]:
    tree = ast.parse((MODULES / f"{name}.py").read_text(encoding="utf-8"))
    values = {
        t.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    doc = yaml.safe_load(ast.literal_eval(values["DOCUMENTATION"]))
    return doc, ast.literal_eval(values["ARGUMENT_SPEC"])


@pytest.mark.parametrize("kind", SIMPLE, ids=[k.name for k in SIMPLE])
def test_documentation_matches_the_field_table(kind: SimpleKind) -> None:
    doc, spec = _module(kind.module)
    inputs = [f for f in kind.fields if f.is_input]
    assert list(doc["options"]) == [f.name for f in inputs] == list(spec)
    for f in inputs:
        option = doc["options"][f.name]
        assert option["type"] == spec[f.name]["type"]
        assert option.get("choices") == (list(f.choices) or None)
        assert bool(spec[f.name].get("no_log")) is f.secret, f.name
        assert f.description.replace("`", "") in option["description"][0]


def test_workflow_module_options_follow_the_workflow_field_table() -> None:
    """workflow.py is hand-written (definition_file/definition_content are Ansible's own), but
    every input of the Workflow field table is one of its options, with the table's type and at
    least the table's choices."""
    from b3os.kinds import get

    types = {"string": "str", "integer": "int", "boolean": "bool", "object": "dict", "array": "list"}
    for module in ("workflow", "workflows"):
        doc, _ = _module_doc_only(module)
        options = doc["options"]
        if module == "workflows":  # the bulk module takes the same options per item
            options = options["workflows"]["suboptions"]
        for f in get("workflow").fields:
            if not f.is_input or f.role == "option":
                continue
            assert f.name in options, (module, f.name)
            assert options[f.name]["type"] == types[f.type], (module, f.name)
            assert set(f.choices) <= set(options[f.name].get("choices") or f.choices), (module, f.name)


def _module_doc_only(name: str) -> tuple[dict[str, object], None]:
    tree = ast.parse((MODULES / f"{name}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "DOCUMENTATION" for t in node.targets
        ):
            return yaml.safe_load(ast.literal_eval(node.value)), None
    raise AssertionError(f"{name}.py has no DOCUMENTATION")
