"""Fuzzing (hypothesis) of everything a definition file goes through before any request: the
loader, the validator, the normalizer and the CLI's file path (file → spec → plan → output).

The documented error types are the only exceptions allowed:

* ``validate_definition``: never raises; every item names a field and prints as UTF-8.
* ``load_definition`` / ``parse_document`` / ``load_spec_file``: ``B3OSError`` (ConfigError,
  DefinitionError) only.
* ``normalize_definition``: ``TypeError`` (not an object), ``ValueError`` (JSON text that does
  not parse), ``ConfigError`` (nested deeper than MAX_DEPTH); never for a valid definition.
* the CLI: exit 0 or 1, never a traceback.

The fast test runs 2,400 examples (about 35 s); the slow-marked one 6,000 more, new ones on
each developer run, fixed ones in CI (``B3OS_FUZZ_EXAMPLES=N`` per check for a longer hunt).
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from b3os.cli.jsonout import plan_document
from b3os.cli.render import print_plan
from b3os.definition import load_definition, validate_definition
from b3os.errors import B3OSError, ConfigError
from b3os.normalize import canonical_json, definitions_equal, graph_summary, normalize_definition
from b3os.resource.files import load_file
from b3os.resource.fleet import Planned
from b3os.workflow import plan
from tests.reliability import figures
from tests.reliability.helpers import run_cli

CI_EXAMPLES = 600  # per test: 4 tests → 2,400 examples
# `make test` (and so CI) runs the slow-marked tests too: 1,500 per test by default (~2 min);
# B3OS_FUZZ_EXAMPLES=6000 for a long hunt (24,000 examples, ~8 min on 2 busy cores).
SLOW_EXAMPLES = int(os.environ.get("B3OS_FUZZ_EXAMPLES") or 1500)

_IDS = ["root", "a", "b", "log_1", "if-2", "每", "x" * 129, "has.dot", "", "$trigger"]
_TYPES = ["manual", "webhook", "log", "if", "for-each", "wait", "delay", "filter", "format", "storage",
          "trigger-workflow", "code-transform", "Bad Type", "", "send-webhook"]  # fmt: skip

# text with everything: lone surrogates, NUL, templates, expression-looking strings
_text = st.one_of(
    st.text(st.characters(blacklist_categories=()), max_size=12),
    st.sampled_from(["{{$trigger.body.x}}", "{{ a.result }}", "{{$nodes.b.result.0}}", "{{", "}}",
                     "\ud800", "a\udfffb", "\x00", "{{$for.item}}", "{{$item.x}}"]),
)  # fmt: skip
_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    _text,
    st.dates().map(lambda d: d),
    st.just(datetime.datetime(2026, 12, 2, 5, 0)),
)
_key = st.one_of(
    _text, st.integers(-3, 3), st.booleans(), st.none(), st.floats(allow_nan=False, width=16),
    st.tuples(st.text(max_size=2), st.text(max_size=2)),
)  # fmt: skip
_value = st.recursive(
    _leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_key, inner, max_size=4), max_leaves=20
)


def _nest(depth: int, leaf: Any) -> Any:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


_deep = st.builds(_nest, st.integers(0, 1200), _leaf)
_children = st.one_of(st.lists(st.sampled_from(_IDS), max_size=3), _value)
_node = st.one_of(
    st.fixed_dictionaries(
        {"type": st.sampled_from(_TYPES), "payload": st.one_of(st.dictionaries(_text, _value | _deep, max_size=4), _value),
         "children": _children},
        optional={"loopBody": _children, "titleOverride": _text, "position": _value},
    ),
    _value,
)  # fmt: skip
_nodes = st.dictionaries(st.one_of(st.sampled_from(_IDS), _key), _node, max_size=6)
_definition = st.one_of(
    st.fixed_dictionaries({"nodes": _nodes}, optional={"triggerNodeIds": _value, "extra": _value}),
    st.dictionaries(_key, _value, max_size=3),
    _value,
    _deep.map(lambda d: {"nodes": {"root": {"type": "manual", "payload": {"d": d}, "children": []}}}),
)


def _budget(slow: bool) -> settings:
    return settings(
        max_examples=SLOW_EXAMPLES if slow else CI_EXAMPLES,
        deadline=None,
        database=None,
        # the fast test, and everything in CI (CI=true): the same examples on every run;
        # a slow run on a developer's machine: new ones each time
        derandomize=not slow or bool(os.environ.get("CI")),
        suppress_health_check=list(HealthCheck),
    )


def _text_of(value: Any, style: int) -> str:
    """A definition as a user could have written it: JSON (NaN allowed), YAML, or broken text."""
    if style == 0:
        try:
            return json.dumps(value, allow_nan=True, default=str)
        except (TypeError, ValueError, RecursionError):
            return "{"
    if style == 1:
        try:
            return yaml.safe_dump(value, allow_unicode=True)
        except (yaml.YAMLError, RecursionError, TypeError, ValueError):
            return "a: [b"
    return str(value)


# -- the checks ---------------------------------------------------------------------------------


def check_validator(definition: Any) -> None:
    items = validate_definition(definition)  # never raises
    assert isinstance(items, list)
    for item in items:
        assert item.message and item.code, item
        item.message.encode("utf-8")  # printable
        (item.field or "").encode("utf-8")
        (item.node_id or "").encode("utf-8")


def check_loader(value: Any, style: int) -> None:
    text = _text_of(value, style)
    for source in (text, value):
        try:
            loaded = load_definition(source) if isinstance(source, str | dict) else None
        except B3OSError:
            continue
        if loaded is not None:
            check_validator(loaded)


def check_normalizer(definition: Any) -> None:
    try:
        normal = normalize_definition(definition)
    except (TypeError, ValueError, ConfigError):
        assert validate_definition(definition) != [] or not isinstance(definition, dict)
        return
    if validate_definition(definition) == []:
        assert definitions_equal(definition, definition)
        assert normalize_definition(normal) == normal, "idempotent"
        canonical_json(normal).encode("utf-8")
        assert not graph_summary(definition, definition).changed


def check_cli_file(tmp: Path, definition: Any, style: int, n: int) -> None:
    doc = {"name": "fuzz", "state": "draft", "definition": definition}
    path = tmp / f"w{n % 4}.{'json' if style != 1 else 'yaml'}"
    path.write_text(_text_of(doc, style), encoding="utf-8", errors="surrogatepass")
    try:
        declared = load_file(path)  # what `b3os plan/apply/validate` read each file with
    except B3OSError:
        declared = None
    try:
        the_plan = plan(declared.spec, None) if declared is not None else None
    except B3OSError:  # e.g. no definition: nothing to create
        the_plan = None
    if declared is not None and the_plan is not None:  # valid: the offline part of `b3os plan`
        print_plan(Console(file=_Sink(), width=100), path, the_plan, declared.kind.name)
        document = plan_document("plan", [(Planned(declared, the_plan), None)])
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    if n % 10 == 0:  # the whole CLI in process, every tenth example (it costs ~5 ms)
        result = run_cli(["validate", "--offline", str(path)], url=None, key=None)
        assert result.code in (0, 1), result.text
        assert "Traceback" not in result.text
        assert (result.code == 0) == (declared is not None), result.text


class _Sink:
    def write(self, text: str) -> int:
        text.encode("utf-8")
        return len(text)

    def flush(self) -> None:
        pass


# -- the tests: CI budget, and the slow-marked bigger run ----------------------------------------


def _run_all(slow: bool, tmp_path: Path) -> None:
    counter = {"n": 0}

    @_budget(slow)
    @given(_definition)
    def validator(definition: Any) -> None:
        check_validator(definition)
        counter["n"] += 1

    @_budget(slow)
    @given(_definition, st.integers(0, 2))
    def loader(value: Any, style: int) -> None:
        check_loader(value, style)
        counter["n"] += 1

    @_budget(slow)
    @given(_definition)
    def normalizer(definition: Any) -> None:
        check_normalizer(definition)
        counter["n"] += 1

    @_budget(slow)
    @given(_definition, st.integers(0, 2))
    def cli_file(definition: Any, style: int) -> None:
        counter["n"] += 1
        check_cli_file(tmp_path, definition, style, counter["n"])

    for test in (validator, loader, normalizer, cli_file):
        test()
    figures.add("fuzz_examples", counter["n"])
    assert counter["n"] >= (4 * SLOW_EXAMPLES if slow else 2000) * 0.9


def test_fuzzed_definitions_raise_only_documented_errors(tmp_path: Path) -> None:
    _run_all(False, tmp_path)


@pytest.mark.slow
def test_fuzzed_definitions_raise_only_documented_errors_at_scale(tmp_path: Path) -> None:
    _run_all(True, tmp_path)
