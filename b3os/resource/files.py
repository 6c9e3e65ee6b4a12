"""Desired objects as files: one object per YAML or JSON file, or a directory of them.

A file says which kind it declares with ``kind:`` (default ``workflow``, so every workflow file
written before kinds existed still works); its other keys are the kind's input fields (or their
camelCase aliases). Unknown keys are errors: a typo must not silently leave a setting unmanaged.
Every file is read and checked before anything is sent, and every bad file is reported, not only
the first. A secret object field may come from the environment instead of the file
(``data_from_env: {token: SLACK_TOKEN}``), so credentials need not be committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from b3os.definition import parse_document
from b3os.errors import B3OSError, ConfigError, DefinitionError
from b3os.resource.fields import file_keys
from b3os.resource.kind import Kind

__all__ = ["SPEC_SUFFIXES", "Declared", "FileErrors", "load_files"]

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
RESERVED = ("b3os.lock.json",)  # the CLI's ownership record (b3os.resource.ownership), not a resource file


@dataclass(frozen=True)
class Declared:
    """One object declared by one file."""

    path: Path
    kind: Kind
    spec: Any


class FileErrors(ConfigError):
    """Several files are bad: ``errors`` holds one error per file, each naming its file."""

    def __init__(self, errors: list[B3OSError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} files have errors:\n" + "\n".join(f"  {e}" for e in errors))


def _parse(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    return parse_document(text, str(path), yaml_first=path.suffix != ".json")


def load_file(path: Path) -> Declared:
    """Read and check one file; errors name the file."""
    from b3os.kinds import get

    document = _parse(path)
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a mapping (kind, name, …)")
    kind_name = document.pop("kind", "workflow")
    try:
        kind = get(str(kind_name))
    except KeyError as exc:
        raise ConfigError(f"{path}: {exc.args[0]}") from None
    keys = file_keys(kind.fields)
    from_env = {
        f"{f.name}_from_env": f.name for f in kind.fields if f.secret and f.is_input and f.type == "object"
    }
    keys.update({k: k for k in from_env})
    if kind.name == "workflow":
        keys.update({"definition_file": "definition_file", "definitionFile": "definition_file"})
    unknown = sorted(str(k) for k in document if k not in keys)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(keys))}"
        )
    values = {keys[k]: v for k, v in document.items()}
    for key, field_name in from_env.items():
        if key in values:
            if field_name in values:
                raise ConfigError(f"{path}: give either {field_name} or {key}, not both")
            values[field_name] = _from_env(path, key, values.pop(key))
    definition_file = values.pop("definition_file", None)
    if definition_file is not None:
        if "definition" in values:
            raise ConfigError(f"{path}: give either definition or definition_file, not both")
        values["definition"] = path.parent / str(definition_file)
    try:
        return Declared(path, kind, kind.build(values))
    except DefinitionError as exc:
        raise DefinitionError(exc.items, message=f"{path}: {exc.message}") from None
    except (ConfigError, TypeError) as exc:  # TypeError: a value of the wrong type, e.g. a list for name
        raise ConfigError(f"{path}: {exc}") from None


def _from_env(path: Path, key: str, names: Any) -> dict[str, str]:
    """``{token: SLACK_TOKEN}`` → ``{token: <value of $SLACK_TOKEN>}``: secrets stay out of files."""
    import os

    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise ConfigError(f"{path}: {key} maps each key to the name of an environment variable")
    missing = sorted(v for v in names.values() if v not in os.environ)
    if missing:
        raise ConfigError(f"{path}: {key}: environment variable(s) {', '.join(missing)} not set")
    return {str(k): os.environ[v] for k, v in names.items()}


def _files(paths: list[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.suffix in SPEC_SUFFIXES and p.is_file() and p.name not in RESERVED
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(f"{path}: no such file or directory")
    if not files:
        raise ConfigError(
            f"no workflow files (or other resource files: {', '.join(SPEC_SUFFIXES)}) in {', '.join(map(str, paths))}"
        )
    return files


def load_files(paths: list[str | Path]) -> list[Declared]:
    """Every file named, directories expanded (sorted, not recursive); all errors at once."""
    declared: list[Declared] = []
    errors: list[B3OSError] = []
    for path in _files(paths):
        try:
            declared.append(load_file(path))
        except B3OSError as exc:
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise FileErrors(errors)
    seen: dict[tuple[str, str], Path] = {}
    for item in declared:
        key = (item.kind.name, item.kind.label(item.spec))
        if key in seen:
            raise ConfigError(f"{item.path}: declares the same {item.kind.name} ({key[1]}) as {seen[key]}")
        seen[key] = item.path
    return declared
