"""Values JSON cannot carry (NaN, ±Infinity, lone surrogates, non-string keys, YAML dates, deep
nesting) are bad input like any other: the same clear error naming the file, the node and the
field from `validate --offline`, `validate`, `plan` and `apply`, no traceback, zero writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from b3os.client import Client
from b3os.definition import load_definition, validate_definition
from b3os.errors import B3OSError
from b3os.local import LocalServer
from tests.reliability import figures
from tests.reliability.helpers import run_cli, writes

_GOOD_ROOT = '"root": {"type": "manual", "payload": {}, "children": ["say"]}'


def _json_file(say_payload: str) -> str:
    return (
        '{"name": "json values", "definition": {"nodes": {' + _GOOD_ROOT + ', "say": {"type": "log", '
        '"payload": ' + say_payload + ', "children": []}}}}'
    )


def _yaml_file(say_lines: str) -> str:
    return (
        "name: json values\ndefinition:\n  nodes:\n    root: {type: manual, payload: {}, children: [say]}\n"
        "    say:\n      type: log\n      children: []\n" + say_lines
    )


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


# (id, file name, text, phrases the error must hold)
CASES = [
    ("yaml .nan", "w.yaml", _yaml_file("      payload: {message: hi, level: .nan}\n"), ["say", "payload.level", "nan", "not a JSON number"]),
    ("yaml .inf", "w.yaml", _yaml_file("      payload: {message: hi, level: .inf}\n"), ["say", "payload.level", "inf"]),
    ("yaml -.inf", "w.yaml", _yaml_file("      payload: {message: hi, level: -.inf}\n"), ["say", "payload.level", "-inf"]),
    ("json NaN", "w.json", _json_file('{"message": "hi", "level": NaN}'), ["say", "payload.level", "nan"]),
    ("json Infinity", "w.json", _json_file('{"message": "hi", "level": -Infinity}'), ["say", "payload.level", "-inf"]),
    ("json lone surrogate in a value", "w.json", _json_file('{"message": "a\\ud800b"}'), ["say", "payload.message", "lone UTF-16 surrogate"]),
    ("json lone surrogate in a key", "w.json", _json_file('{"message": "hi", "k\\udfff": 1}'), ["say", "payload.k\\udfff", "surrogate"]),
    ("yaml true: as a node key", "w.yaml", _yaml_file("      payload: {message: hi}\n    true: {type: log, payload: {message: x}}\n"), ["nodes.true", "keys must be strings", "bool", "quote it in YAML ('true':)"]),
    ("yaml 1: as a payload key", "w.yaml", _yaml_file("      payload: {message: hi, 1: one}\n"), ["say", "payload.1", "keys must be strings", "int"]),
    ("yaml ? [a, b] as a key", "w.yaml", _yaml_file("      payload:\n        message: hi\n        ? [a, b]\n        : x\n"), ["w.yaml", "line"]),
    ("yaml date", "w.yaml", _yaml_file("      payload: {message: hi, when: 2026-12-02}\n"), ["say", "payload.when", "date", "quote it"]),
    ("json nested 990 deep", "w.json", _json_file('{"message": "hi", "deep": ' + _deep(990) + "}"), ["say", "payload.deep", "nested more than 64 levels"]),
    ("json nested 5000 deep", "w.json", _json_file('{"message": "hi", "deep": ' + _deep(5000) + "}"), ["w.json", "nested too deeply"]),
    ("yaml nested 5000 deep", "w.yaml", _yaml_file("      payload: {message: hi, deep: " + _deep(5000) + "}\n"), ["w.yaml", "nest"]),
]  # fmt: skip

COMMANDS = [["validate", "--offline"], ["validate"], ["plan"], ["apply"]]


@pytest.mark.parametrize(("case_id", "file_name", "text", "phrases"), CASES, ids=[c[0] for c in CASES])
def test_values_json_cannot_carry_are_refused_naming_file_and_field_offline_and_online(
    case_id: str, file_name: str, text: str, phrases: list[str], local: LocalServer, tmp_path: Path
) -> None:
    path = tmp_path / file_name
    path.write_text(text, encoding="utf-8")
    local.clear_requests()
    errors = []
    for command in COMMANDS:
        result = run_cli([*command, str(path)], url=local.url, key=local.api_key)
        assert result.code == 1, (command, result.text)
        assert "Traceback" not in result.text and "RecursionError" not in result.text, result.text
        err = " ".join(result.err.split())
        assert str(path) in err, (command, err)
        for phrase in phrases:
            assert phrase in err, (command, phrase, err)
        errors.append(err)
    assert len(set(errors)) == 1, f"the same error offline and online: {errors}"
    assert writes(local) == 0
    assert not [r for r in local.requests() if r["path"].startswith("/v1/")], "refused before any request"
    figures.add("bad_inputs", len(COMMANDS))


@pytest.mark.parametrize(
    "definition",
    [
        {"nodes": {1: "x"}},
        {"nodes": {True: {"type": "manual"}}},
        {"nodes": {("a", "b"): {}}},
        {"nodes": {"root": {"type": "manual", "payload": {None: 1}}}},
        {"nodes": {"root": {"type": "manual", "payload": {"x": float("nan")}}}},
        {"nodes": {"root": {"type": "manual", "payload": {"x": "\udc80"}}}},
        {"nodes": {"\ud800": {"type": "manual"}}},
        {"nodes": {"root": {"type": "manual", "payload": {"x": json.loads(_deep(990))}}}},
        {"nodes": {"root": {"type": "manual", "payload": {"x": object()}}}},
    ],
    ids=["int node key", "bool node key", "tuple node key", "None payload key", "nan", "surrogate",
         "surrogate node id", "990 deep", "object"],
)  # fmt: skip
def test_validate_definition_never_raises_and_names_the_field(definition: dict[object, object]) -> None:
    items = validate_definition(definition)
    assert items, "reported"
    for item in items:
        assert item.field and item.code
        item.message.encode("utf-8")  # printable: no lone surrogate in the report itself
    figures.add("bad_inputs")


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ('{"nodes": ' + _deep(5000) + "}", "nested too deeply"),
        ("nodes: " + _deep(5000), "nest"),
        ("\ud800", "lone UTF-16 surrogate"),  # found by the fuzz test: libyaml's UnicodeEncodeError
        ("nodes: {a: '\udfff'}", "lone UTF-16 surrogate"),
    ],
    ids=["json 5000 deep", "yaml 5000 deep", "lone surrogate", "yaml with a lone surrogate"],
)
def test_load_definition_of_unreadable_text_is_a_clear_error(text: str, phrase: str) -> None:
    with pytest.raises(B3OSError, match=phrase):
        load_definition(text)


def test_python_api_refuses_nan_before_any_request(local: LocalServer, api: Client) -> None:
    from b3os.workflow import WorkflowSpec

    local.clear_requests()
    bad = {"nodes": {"root": {"type": "manual", "payload": {"n": float("inf")}, "children": []}}}
    with pytest.raises(B3OSError, match=r"payload\.n: inf is not a JSON number"):
        WorkflowSpec.build(name="nan", definition=bad)
    assert not local.requests()
