"""The stand-in language host: interpreter choice and the command it runs (no CLI needed).

The host as a whole is exercised by every CLI test (`pulumi up` runs projects through it)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import language_pb2

_PATH = Path(__file__).resolve().parents[2] / "scripts" / "pulumi_langhost.py"
_SPEC = importlib.util.spec_from_file_location("pulumi_langhost", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
langhost = importlib.util.module_from_spec(_SPEC)
sys.modules["pulumi_langhost"] = langhost
_SPEC.loader.exec_module(langhost)
ProgramError, build_command, resolve_python = (
    langhost.ProgramError,
    langhost.build_command,
    langhost.resolve_python,
)


def test_virtualenv_option_is_relative_to_the_project_root(tmp_path: Path) -> None:
    venv = tmp_path / "venvs" / "one"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    root = tmp_path / "project"
    python, changes = resolve_python(str(root), {"virtualenv": "../venvs/one"}, {"PATH": "/usr/bin"})
    assert python == str(venv / "bin" / "python")
    assert changes["VIRTUAL_ENV"] == str(venv)
    assert changes["PATH"].startswith(str(venv / "bin"))


def test_missing_virtualenv_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(ProgramError, match="python3 -m venv"):
        resolve_python(str(tmp_path), {"virtualenv": "nope"}, {})


def test_other_toolchains_are_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(ProgramError, match="toolchain 'uv' is not supported"):
        resolve_python(str(tmp_path), {"toolchain": "uv"}, {})


def test_without_virtualenv_pulumi_python_cmd_wins(tmp_path: Path) -> None:
    python, changes = resolve_python(str(tmp_path), {}, {"PULUMI_PYTHON_CMD": sys.executable, "PATH": ""})
    assert python == sys.executable and changes == {}


def test_command_runs_the_program_directory_through_the_exec_script(tmp_path: Path) -> None:
    options = struct_pb2.Struct()
    options.update({"virtualenv": "venv"})
    info = language_pb2.ProgramInfo(
        root_directory=str(tmp_path), program_directory=str(tmp_path), entry_point=".", options=options
    )
    request = language_pb2.RunRequest(
        project="p", stack="s", pwd=str(tmp_path), monitor_address="127.0.0.1:1", dryRun=True,
        parallel=8, organization="organization", info=info, args=["x"],
    )  # fmt: skip
    argv, cwd = build_command(request, engine_address="127.0.0.1:2", exec_script="/bin/exec", python="py")
    assert cwd == str(tmp_path)
    assert argv[:3] == ["py", "-u", "/bin/exec"]
    flags = dict(zip(argv[3:-2:2], argv[4:-2:2], strict=True))
    assert flags["--monitor"] == "127.0.0.1:1" and flags["--engine"] == "127.0.0.1:2"
    assert flags["--dry_run"] == "true" and flags["--parallel"] == "8" and flags["--stack"] == "s"
    assert flags["--root_directory"] == str(tmp_path)
    assert argv[-2:] == [str(tmp_path), "x"]
