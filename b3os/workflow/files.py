"""Desired workflows as files: one workflow per YAML or JSON file, or a directory of them.

A file holds ``name`` (or ``id``), ``description``, ``state``, ``definition`` (inline) or
``definition_file`` (relative to the file), and optionally ``cooldown_ms``, ``max_runs``,
``visibility`` (camelCase spellings are accepted too). Unknown keys are errors: a typo must
not silently leave a setting unmanaged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from b3os.definition import parse_document
from b3os.errors import ConfigError, DefinitionError
from b3os.workflow.spec import WorkflowSpec

__all__ = ["SPEC_SUFFIXES", "load_spec_file", "load_specs"]

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
_KEYS = {
    "name": "name",
    "id": "id",
    "description": "description",
    "state": "state",
    "definition": "definition",
    "definition_file": "definition_file",
    "definitionFile": "definition_file",
    "cooldown_ms": "cooldown_ms",
    "cooldownMs": "cooldown_ms",
    "max_runs": "max_runs",
    "maxRuns": "max_runs",
    "visibility": "visibility",
}


def _parse(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    return parse_document(text, str(path), yaml_first=path.suffix != ".json")


def load_spec_file(path: Path) -> WorkflowSpec:
    """Read and check one workflow file; errors name the file."""
    document = _parse(path)
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a mapping with name, state and definition")
    unknown = sorted(k for k in document if k not in _KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(_KEYS))}"
        )
    values = {_KEYS[k]: v for k, v in document.items()}
    definition_file = values.pop("definition_file", None)
    if definition_file is not None:
        if "definition" in values:
            raise ConfigError(f"{path}: give either definition or definition_file, not both")
        values["definition"] = path.parent / str(definition_file)
    try:
        return WorkflowSpec.build(**values)
    except DefinitionError as exc:
        raise DefinitionError(exc.items, message=f"{path}: {exc.message}") from None
    except (ConfigError, TypeError) as exc:  # TypeError: a value of the wrong type, e.g. a list for name
        raise ConfigError(f"{path}: {exc}") from None


def load_specs(paths: list[str | Path]) -> list[tuple[Path, WorkflowSpec]]:
    """Every workflow file named, directories expanded (sorted, not recursive)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in SPEC_SUFFIXES and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(f"{path}: no such file or directory")
    if not files:
        raise ConfigError(f"no workflow files ({', '.join(SPEC_SUFFIXES)}) in {', '.join(map(str, paths))}")
    specs = [(f, load_spec_file(f)) for f in files]
    seen: dict[str, Path] = {}
    for f, spec in specs:
        key = spec.id or f"name:{spec.name}"
        if key in seen:
            raise ConfigError(f"{f}: declares the same workflow ({spec.label}) as {seen[key]}")
        seen[key] = f
    return specs
