"""A small stand-in for Pulumi's Go ``pulumi-language-python`` language host.

Why it exists: the Go language host lives in its own Go module that has no version tags, and the
Go module proxy reachable from our machines does not serve it (it answers 403 "not available" for
every version), so ``scripts/install-pulumi.sh`` cannot build it. Without a language host the
real ``pulumi`` CLI cannot run a Python project (``pulumi up`` / ``preview`` / ``refresh`` /
``destroy``). This module implements the part of the ``LanguageRuntime`` gRPC service the engine
needs for that: ``Run`` starts the program through Pulumi's own ``pulumi-language-python-exec``
script (shipped in the Pulumi SDK module and installed beside ``pulumi``), in the project's
virtualenv when ``runtime.options.virtualenv`` is set, exactly as the Go host does. Dependency
discovery (``pip list`` for plugin packages), ``pulumi install``, ``pulumi new`` templates and
policy packs are not implemented: a project that needs resource plugins from PyPI packages is
out of scope here (dynamic providers need none).

Repository tooling, not part of the installed package: ``scripts/install-pulumi.sh`` copies it
beside the CLI as ``b3os_langhost.py``, and its ``pulumi-language-python`` shim runs
``python b3os_langhost.py --exec-script <path> <engine address>``; like every Pulumi plugin it
prints its gRPC port as the first line on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent import futures
from typing import Any

import grpc  # type: ignore[import-untyped]
from google.protobuf import empty_pb2, json_format  # type: ignore[import-untyped]
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

__all__ = ["main"]

# Exit code with which pulumi-language-python-exec says "the error was already shown to the user".
_BAIL_EXIT_CODE = 32
_VERSION = "3.274.1+b3os"


class ProgramError(Exception):
    """The project cannot be started (bad virtualenv option, unsupported toolchain)."""


def _options(info: Any) -> dict[str, Any]:
    if info is None or not info.HasField("options"):
        return {}
    return dict(json_format.MessageToDict(info.options))


def resolve_python(
    root_directory: str, options: Mapping[str, Any], env: Mapping[str, str]
) -> tuple[str, dict[str, str]]:
    """Pick the interpreter for the program and the environment changes it needs.

    Mirrors the Go host's pip toolchain: ``virtualenv`` (relative to the project root) wins; else
    ``PULUMI_PYTHON_CMD``; else ``python3`` / ``python`` from PATH.
    """
    toolchain = str(options.get("toolchain") or "pip")
    if toolchain != "pip":
        raise ProgramError(
            f"runtime.options.toolchain {toolchain!r} is not supported by the b3os-iac language host; "
            "use the pip toolchain with runtime.options.virtualenv"
        )
    venv = options.get("virtualenv")
    if venv:
        path = os.path.normpath(os.path.join(root_directory, os.path.expanduser(str(venv))))
        python = os.path.join(path, "bin", "python")
        if not os.path.isfile(python):
            raise ProgramError(
                f"the 'virtualenv' option in Pulumi.yaml is set to {venv!r}, but {path} is not a virtual "
                f"environment (no bin/python); create it with: python3 -m venv {path} && "
                f"{path}/bin/python -m pip install 'b3os-iac[pulumi]'"
            )
        changes = {
            "VIRTUAL_ENV": path,
            "PATH": os.pathsep.join([os.path.join(path, "bin"), env.get("PATH", "")]),
        }
        return python, changes
    for candidate in (env.get("PULUMI_PYTHON_CMD"), "python3", "python"):
        if candidate and shutil.which(candidate, path=env.get("PATH")):
            return candidate, {}
    raise ProgramError("no Python interpreter found: set PULUMI_PYTHON_CMD or runtime.options.virtualenv")


def build_command(
    request: Any, *, engine_address: str, exec_script: str, python: str
) -> tuple[list[str], str]:
    """The argv that runs the program through pulumi-language-python-exec, and its working dir."""
    info = request.info if request.HasField("info") else None
    pwd = request.pwd or (info.program_directory if info else "") or os.getcwd()
    if info is not None and info.program_directory:
        program = os.path.join(info.program_directory, info.entry_point or ".")
    else:
        program = os.path.join(pwd, request.program or ".")
    argv = [
        python,
        "-u",
        exec_script,
        "--monitor",
        request.monitor_address,
        "--engine",
        engine_address,
        "--project",
        request.project,
        "--stack",
        request.stack,
        "--pwd",
        pwd,
        "--dry_run",
        "true" if request.dryRun else "false",
        "--parallel",
        str(request.parallel),
        "--organization",
        request.organization,
    ]
    if info is not None and info.root_directory:
        argv += ["--root_directory", info.root_directory]
    argv += [os.path.normpath(program), *request.args]
    return argv, pwd


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """The LanguageRuntime service: runs Python programs for the engine."""

    def __init__(self, engine_address: str, exec_script: str) -> None:
        self._engine_address = engine_address
        self._exec_script = exec_script
        self._children: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def Handshake(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC method names)
        if request.engine_address:
            self._engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:  # noqa: N802
        return plugin_pb2.PluginInfo(version=_VERSION)

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:  # noqa: N802
        # Dynamic providers need no plugin packages; the Go host would scan `pip list` here.
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:  # noqa: N802
        return language_pb2.GetRequiredPackagesResponse()

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:  # noqa: N802
        return language_pb2.GetProgramDependenciesResponse()

    def RuntimeOptionsPrompts(self, request: Any, context: Any) -> Any:  # noqa: N802
        return language_pb2.RuntimeOptionsResponse()

    def About(self, request: Any, context: Any) -> Any:  # noqa: N802
        return language_pb2.AboutResponse(
            executable=sys.executable, version=sys.version.split()[0], metadata={}
        )

    def InstallDependencies(self, request: Any, context: Any) -> Iterator[Any]:  # noqa: N802
        # `pulumi install`: the project's virtualenv is managed by scripts/bootstrap.sh instead.
        yield language_pb2.InstallDependenciesResponse(
            stdout=b"b3os-iac language host: dependencies are installed by scripts/bootstrap.sh\n"
        )

    def Cancel(self, request: Any, context: Any) -> Any:  # noqa: N802
        with self._lock:
            for child in self._children:
                child.terminate()
        return empty_pb2.Empty()

    def Run(self, request: Any, context: Any) -> Any:  # noqa: N802
        info = request.info if request.HasField("info") else None
        root = (info.root_directory if info else "") or request.pwd or os.getcwd()
        env = dict(os.environ)
        try:
            python, changes = resolve_python(root, _options(info), env)
        except ProgramError as err:
            return language_pb2.RunResponse(error=str(err))
        env.update(changes)
        env.pop("PYTHONHOME", None)
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        argv, cwd = build_command(
            request, engine_address=self._engine_address, exec_script=self._exec_script, python=python
        )
        # The program's stdout/stderr go to ours, which the engine shows, as with the Go host.
        child = subprocess.Popen(argv, cwd=cwd, env=env)
        with self._lock:
            self._children.add(child)
        try:
            code = child.wait()
        finally:
            with self._lock:
                self._children.discard(child)
        if code == 0:
            return language_pb2.RunResponse()
        if code == _BAIL_EXIT_CODE:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"Program exited with non-zero exit code: {code}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulumi-language-python (b3os-iac)")
    parser.add_argument("--exec-script", required=True, help="path of pulumi-language-python-exec")
    parser.add_argument("engine_address", nargs="?", default="")
    args, _unknown = parser.parse_known_args(argv)  # the engine may add flags we ignore
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(
        LanguageHost(args.engine_address, args.exec_script), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:  # the engine interrupts its plugins when it is done with them
        server.stop(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
