"""Drive the real ``pulumi`` CLI on a throwaway project, offline, against b3os-local.

Each ``PulumiProject`` has its own local file backend, PULUMI_HOME and passphrase, and its own
b3os-local organization (so request logs and workflow listings of parallel tests never mix).
The program (``program.py`` below) reads ``spec.json`` on every run, so a test changes what
is declared by rewriting that file between commands.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b3os.client import Client
from b3os.local import LocalServer
from tests.support import QUICKSTART_DEFINITION, Calls

PULUMI_VERSION = "v3.274.1"
HELPERS = ("pulumi", "pulumi-language-python", "pulumi-language-python-exec", "pulumi-resource-pulumi-python")
REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = "b3os-iac tests passphrase"
STACK = "test"

QUICKSTART = QUICKSTART_DEFINITION


# The generic test program: one Workflow per entry of spec.json, every useful output exported.
PROGRAM = """\
import json
import pulumi
import pulumi_b3os as b3os

spec = json.load(open("spec.json"))
made = {}
for resource_name, args in spec.get("workflows", {}).items():
    # "description_from": another resource's name -> a description computed from its id
    # (unknown during a preview: exercises the provider's handling of unknowns).
    source = args.pop("description_from", None)
    if source is not None:
        args["description"] = made[source].id.apply(lambda i: f"runs after {i}")
    wf = made[resource_name] = b3os.Workflow(resource_name, b3os.WorkflowArgs(**args))
    pulumi.export(f"{resource_name}.id", wf.id)
    for key in ("status", "state", "version", "live_version", "has_draft", "trigger_secret"):
        pulumi.export(f"{resource_name}.{key}", getattr(wf, key))
"""


_REPO = Path(__file__).resolve().parents[2]


@functools.cache
def wait_for_pulumi_build() -> None:
    """Under ``make test`` (B3OS_PULUMI_WAIT) the CLI builds in the background while the tests
    that do not need it run: wait for it by running the install script, which queues on the
    build's lock and then returns at once (a failed build fails here, with its log)."""
    if not os.environ.get("B3OS_PULUMI_WAIT"):
        return
    proc = subprocess.run(
        ["bash", str(_REPO / "scripts" / "install-pulumi.sh")], capture_output=True, text=True, timeout=3600
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"scripts/install-pulumi.sh failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        )


def find_pulumi_bin() -> Path | None:
    """The directory holding pulumi and its Python helpers, or None.

    Order: B3OS_PULUMI_BIN; the ``pulumi`` on PATH (``make test`` puts scripts/install-pulumi.sh's
    directory first); the directory scripts/install-pulumi.sh builds into.
    """
    wait_for_pulumi_build()
    candidates: list[Path] = []
    if os.environ.get("B3OS_PULUMI_BIN"):
        candidates.append(Path(os.environ["B3OS_PULUMI_BIN"]))
    on_path = shutil.which("pulumi")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    tools = Path(os.environ.get("B3OS_TOOLS_DIR") or Path.home() / ".cache" / "b3os-iac")
    candidates.append(tools / f"pulumi-{PULUMI_VERSION}" / "bin")
    for directory in candidates:
        if all((directory / name).is_file() for name in HELPERS):
            return directory
    return None


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class PulumiProject:
    root: Path
    dir: Path
    bin_dir: Path
    server: LocalServer
    org_id: str
    api_key: str
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, root: Path, bin_dir: Path, server: LocalServer) -> PulumiProject:
        """A project running the generic test program (declare workflows with ``declare``)."""
        org_id, api_key = server.create_org()
        project = cls(root, root / "project", bin_dir, server, org_id, api_key)
        project.dir.mkdir(parents=True)
        project.write_pulumi_yaml("b3os-test")
        (project.dir / "__main__.py").write_text(PROGRAM)
        project.declare({})
        return project._init_stack()

    @classmethod
    def from_example(cls, root: Path, bin_dir: Path, server: LocalServer, name: str) -> PulumiProject:
        """A copy of examples/<name>, laid out as in a checkout: <root>/.venv is the test venv,
        so the example's own Pulumi.yaml (virtualenv: ../../.venv) is what gets tested."""
        org_id, api_key = server.create_org()
        target = root / "examples" / name
        ignore = shutil.ignore_patterns("Pulumi.*.yaml", "__pycache__")
        shutil.copytree(REPO / "examples" / name, target, ignore=ignore)
        (root / ".venv").symlink_to(sys.prefix, target_is_directory=True)
        return cls(root, target, bin_dir, server, org_id, api_key)._init_stack()

    def _init_stack(self) -> PulumiProject:
        (self.root / "state").mkdir()
        (self.root / "home").mkdir()
        self.env = self._environment()
        self.run("stack", "init", STACK)
        self.run("config", "set", "b3os:apiUrl", self.server.url)
        self.run("config", "set", "--secret", "b3os:apiKey", self.api_key)
        return self

    def write_pulumi_yaml(self, name: str) -> None:
        # The provider subprocess must import pulumi_b3os: point both the program and the
        # dynamic-provider shim at the venv the tests run in (absolute, so any checkout works).
        (self.dir / "Pulumi.yaml").write_text(
            f"name: {name}\nruntime:\n  name: python\n  options:\n    virtualenv: {sys.prefix}\n"
        )

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("B3OS_API_", "PULUMI_"))}
        env.update(
            PATH=os.pathsep.join([str(self.bin_dir), str(Path(sys.executable).parent), env.get("PATH", "")]),
            PULUMI_HOME=str(self.root / "home"),
            PULUMI_BACKEND_URL=(self.root / "state").as_uri(),
            PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            PULUMI_SKIP_CONFIRMATIONS="true",
            PULUMI_PYTHON_CMD=sys.executable,
            NO_COLOR="1",
        )
        return env

    # -- declaring ---------------------------------------------------------------------------

    def declare(self, workflows: dict[str, dict[str, Any]]) -> None:
        (self.dir / "spec.json").write_text(json.dumps({"workflows": workflows}, indent=2))

    # -- running the CLI ---------------------------------------------------------------------

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> Result:
        proc = subprocess.run(
            [str(self.bin_dir / "pulumi"), *args, "--non-interactive"],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        result = Result(proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed ({proc.returncode}):\n{result.output}")
        return result

    def up(self, *flags: str, check: bool = True) -> Result:
        return self.run("up", "--yes", "--skip-preview", *flags, check=check)

    def preview(self, *flags: str, check: bool = True) -> Result:
        return self.run("preview", *flags, check=check)

    def refresh(self, *flags: str, check: bool = True) -> Result:
        return self.run("refresh", "--yes", "--skip-preview", *flags, check=check)

    def destroy(self, check: bool = True) -> Result:
        return self.run("destroy", "--yes", "--skip-preview", check=check)

    def outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        flags = ["--show-secrets"] if show_secrets else []
        data: dict[str, Any] = json.loads(self.run("stack", "output", "--json", *flags).stdout)
        return data

    def export(self) -> str:
        return self.run("stack", "export").stdout

    # -- looking at b3os-local ---------------------------------------------------------------

    def client(self) -> Client:
        return Client(base_url=self.server.url, api_key=self.api_key)

    def mark(self) -> int:
        """A position in the request log; ``calls(since=…)`` counts what came after it."""
        return len(self.server.requests())

    def calls(self, since: int = 0) -> Calls:
        mine = [e for e in self.server.requests()[since:] if e.get("organizationId") == self.org_id]
        return Calls.of(mine)

    def workflows(self, client: Client) -> list[Any]:
        """Every workflow of this project's organization, archived ones included."""
        seen = {w.id: w for w in client.iter_workflows()}
        seen.update({w.id: w for w in client.iter_workflows(status="archived")})
        return list(seen.values())
