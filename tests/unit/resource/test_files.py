"""Resource files: kind: selects the kind (default workflow), every bad file is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from b3os.errors import ConfigError
from b3os.resource.files import FileErrors, load_files

WORKFLOW = """name: wf
definition:
  nodes:
    root: {type: manual, payload: {}, children: [log]}
    log: {type: log, payload: {message: "{{$trigger.body.x}}"}}
"""


def test_kinds_and_the_workflow_default(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(WORKFLOW)
    (tmp_path / "b.yaml").write_text("kind: connector\nname: c\ntype: slack\ndata: {token: t}\n")
    (tmp_path / "c.json").write_text(
        '{"kind": "execution_webhook", "name": "h", "url": "https://x.test", "maxRetries": 2}'
    )
    loaded = load_files([tmp_path])
    assert [(d.path.name, d.kind.name) for d in loaded] == [
        ("a.yaml", "workflow"), ("b.yaml", "connector"), ("c.json", "execution_webhook"),
    ]  # fmt: skip
    assert loaded[0].spec.definition["nodes"]["log"]["payload"]["message"] == "{{$trigger.body.x}}"
    assert loaded[2].spec.get("max_retries") == 2


def test_every_bad_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("kind: gizmo\nname: x\n")
    (tmp_path / "b.yaml").write_text("kind: connector\nname: c\ntype: slack\ncolour: red\n")
    (tmp_path / "c.yaml").write_text(WORKFLOW)
    (tmp_path / "d.yaml").write_text("name: [unclosed\n")
    with pytest.raises(FileErrors) as caught:
        load_files([tmp_path])
    text = str(caught.value)
    assert text.startswith("3 files have errors")
    assert (
        "a.yaml: unknown kind 'gizmo'" in text
        and "b.yaml: unknown key(s) colour" in text
        and "d.yaml" in text
    )


def test_same_object_twice_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("kind: connector\nname: c\ntype: slack\n")
    (tmp_path / "b.yaml").write_text("kind: connector\nname: c\ntype: discord\n")
    with pytest.raises(ConfigError, match="b.yaml: declares the same connector"):
        load_files([tmp_path])


def test_secret_data_may_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "c.yaml").write_text(
        "kind: connector\nname: c\ntype: slack\ndata_from_env: {token: B3OS_TEST_TOKEN}\n"
    )
    with pytest.raises(
        ConfigError, match="c.yaml: data_from_env: environment variable.s. B3OS_TEST_TOKEN not set"
    ):
        load_files([tmp_path])
    monkeypatch.setenv("B3OS_TEST_TOKEN", "s3cret")
    (loaded,) = load_files([tmp_path])
    assert loaded.spec.get("data") == {"token": "s3cret"}
