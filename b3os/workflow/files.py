"""Workflow files: the workflow-only view of ``b3os.resource.files`` (one loader for every kind).

A file holds ``name`` (or ``id``), ``description``, ``state``, ``definition`` (inline) or
``definition_file`` (relative to the file), and optionally ``cooldown_ms``, ``max_runs``,
``visibility`` (camelCase spellings are accepted too); ``kind: workflow`` may be said or left out.
"""

from __future__ import annotations

from pathlib import Path

from b3os.errors import ConfigError
from b3os.resource.files import SPEC_SUFFIXES, load_file, load_files
from b3os.workflow.spec import WorkflowSpec

__all__ = ["SPEC_SUFFIXES", "load_spec_file", "load_specs"]


def load_spec_file(path: Path) -> WorkflowSpec:
    """Read and check one workflow file; errors name the file."""
    declared = load_file(path)
    if declared.kind.name != "workflow":
        raise ConfigError(f"{path}: declares a {declared.kind.name}, not a workflow")
    spec: WorkflowSpec = declared.spec
    return spec


def load_specs(paths: list[str | Path]) -> list[tuple[Path, WorkflowSpec]]:
    """Every workflow file named, directories expanded (sorted, not recursive); files of other
    kinds are errors here (``b3os.resource.files.load_files`` reads every kind)."""
    specs = []
    for item in load_files(paths):
        if item.kind.name != "workflow":
            raise ConfigError(f"{item.path}: declares a {item.kind.name}, not a workflow")
        specs.append((item.path, item.spec))
    return specs
