"""``b3os actions [TYPE]`` and ``b3os validate --catalog`` against b3os-local."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from b3os import catalog
from b3os.cli import main
from b3os.local import LocalServer


@pytest.fixture
def cli_env(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> LocalServer:
    monkeypatch.setenv("B3OS_API_URL", server.url)
    monkeypatch.delenv("B3OS_API_KEY", raising=False)  # the catalog is public
    return server


def test_actions_lists_every_catalog_type_without_a_key(
    cli_env: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["actions"]) == 0
    out = capsys.readouterr().out
    for node_type in catalog.NODE_TYPES:
        assert node_type in out
    assert main(["actions", "--json"]) == 0
    listed = {e["type"]: e["kind"] for e in json.loads(capsys.readouterr().out)}
    assert listed == {t: e["kind"] for t, e in catalog.NODE_TYPES.items()}


def test_actions_type_shows_payload_fields_and_an_example(
    cli_env: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["actions", "delay"]) == 0
    out = capsys.readouterr().out
    assert "delayMs" in out and "integer" in out and "yes" in out and '{"delayMs": 5000}' in out
    assert main(["actions", "manual"]) == 0  # a trigger is found too
    assert "inputSchema" in capsys.readouterr().out
    assert main(["actions", "no-such-type"]) == 1
    err = capsys.readouterr().err
    assert "not found" in err and "Traceback" not in err


def test_validate_catalog_checks_types_against_the_server(
    cli_env: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("B3OS_API_KEY", cli_env.api_key)
    good = tmp_path / "good.yaml"
    good.write_text("name: g\nstate: draft\ndefinition:\n  nodes:\n    root: {type: manual, payload: {}, children: [l]}\n"
                    "    l: {type: log, payload: {message: hi}}\n")  # fmt: skip
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: b\nstate: draft\ndefinition:\n  nodes:\n    root: {type: manual, payload: {}, children: [p]}\n"
                   "    p: {type: coingecko-get-token-price, payload: {}}\n")  # fmt: skip
    assert main(["validate", "--offline", str(good), str(bad)]) == 0  # offline: unknown catalog types pass
    capsys.readouterr()
    assert main(["validate", "--catalog", str(good)]) == 0
    capsys.readouterr()
    assert main(["validate", "--catalog", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "coingecko-get-token-price" in err and "not in the server's catalog" in err
    assert "good.yaml" not in err


def test_plan_catalog_refuses_unknown_types_before_any_write(
    cli_env: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("B3OS_API_KEY", cli_env.api_key)
    cli_env.reset()
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: b\nstate: draft\ndefinition:\n  nodes:\n    root: {type: manual, payload: {}, children: [p]}\n"
                   "    p: {type: lgo, payload: {}}\n")  # fmt: skip
    assert main(["apply", "--catalog", str(bad)]) == 1
    assert "lgo" in capsys.readouterr().err
    assert [e["path"] for e in cli_env.requests()] == [
        "/v1/triggers",
        "/v1/logic-actions",
        "/v1/actions",
    ]  # reads only
    assert main(["plan", str(bad)]) == 2  # without --catalog an unknown lowercase type is accepted
