"""load_definition: a definition from a dict, JSON/YAML text or a file, with readable errors."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from b3os.errors import ConfigError
from b3os.normalize import MAX_DEPTH


def load_definition(value: Mapping[str, Any] | str | os.PathLike[str]) -> dict[str, Any]:
    """A definition from a dict, JSON/YAML text, or a .json/.yaml/.yml path; unwraps {"definition": …}."""
    source = "<text>"
    if isinstance(value, Mapping):
        data: object = dict(value)
    elif isinstance(value, os.PathLike) or (isinstance(value, str) and _looks_like_path(value)):
        path = Path(value)
        if not path.is_file():
            raise ConfigError(f"definition file {str(path)!r} not found")
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read definition file {source!r}: {exc}") from None
        data = parse_document(text, source, yaml_first=path.suffix.lower() in (".yaml", ".yml"))
    elif isinstance(value, str):
        data = parse_document(value, source, yaml_first=False)
    else:
        raise ConfigError(
            f"definition must be a dict, JSON/YAML text or a file path, got {type(value).__name__}"
        )
    if isinstance(data, Mapping) and "nodes" not in data and isinstance(data.get("definition"), Mapping):
        data = data["definition"]
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: a definition must be an object with 'nodes', got {type(data).__name__}")
    return dict(data)


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and (
        text.lower().endswith((".json", ".yaml", ".yml")) or (len(text) < 4096 and os.path.isfile(text))
    )


def parse_document(text: str, source: str, *, yaml_first: bool) -> object:
    """JSON or YAML text as data; errors name ``source`` and the line and column."""
    if not yaml_first and text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{source}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
        except RecursionError:
            raise ConfigError(_too_deep(source, "JSON")) from None
    import yaml  # lazy: PyYAML costs import time on every Ansible task

    # libyaml's loader when PyYAML was built with it: ~8x faster on a directory of workflows.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ConfigError(f"{source}: invalid YAML{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {exc}") from None
    except RecursionError:
        raise ConfigError(_too_deep(source, "YAML")) from None
    except UnicodeEncodeError:  # libyaml reads UTF-8: a lone surrogate in the text cannot be read
        raise ConfigError(
            f"{source}: invalid YAML: the text holds a lone UTF-16 surrogate (not valid Unicode): "
            "remove it or write the whole character"
        ) from None


def _too_deep(source: str, kind: str) -> str:
    return (
        f"{source}: {kind} nested too deeply to read (a definition may nest at most {MAX_DEPTH} "
        "levels): flatten it"
    )
