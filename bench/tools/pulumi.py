"""The Pulumi providers with the real CLI, a local file backend and the test harness's project.

The project, its environment (file backend, PULUMI_HOME, passphrase, the venv's Python) and the
program come from tests/pulumi/harness.py: the benchmark runs exactly what the tests run.
``up`` is measured with ``--skip-preview`` (the update alone, like ``b3os apply``); ``preview``
is measured on its own with unchanged inputs.

Three variants of the same program (one resource per workflow, the same inputs):

* ``pulumi``: the dynamic provider ``pulumi_b3os.Workflow`` (the harness's program);
* ``pulumi_native``: the native plugin ``pulumi-resource-b3os`` declared from Python with
  ``pulumi.CustomResource("b3os:index:Workflow", …)`` (as tests/pulumi/test_native_matrix.py);
* ``pulumi_null``: a do-nothing dynamic provider (no API call, no import of b3os): the cost of
  the Pulumi engine, the Python language host and the dynamic-provider host alone, so that what
  pulumi_b3os adds is visible apart from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.fleet import Fleet
from bench.tools.base import Context

__all__ = ["NativePulumi", "NullPulumi", "Pulumi"]

STEPS: tuple[tuple[str, str], ...] = (
    ("create", "create"),
    ("preview", "noop"),
    ("noop", "noop"),
    ("change", "change"),
    ("pause", "pause"),
    ("archive", "archive"),
)

NATIVE_PROGRAM = """\
import json
import pulumi

OUTPUTS = ("status", "version", "liveVersion", "hasDraft", "triggerSecret")

spec = json.load(open("spec.json"))
for resource_name, args in spec.get("workflows", {}).items():
    props = dict(args)
    props.update({k: None for k in OUTPUTS})
    wf = pulumi.CustomResource("b3os:index:Workflow", resource_name, props)
    pulumi.export(f"{resource_name}.id", wf.id)
    pulumi.export(f"{resource_name}.status", wf.status)
"""

# The same program shape on a provider that does nothing: create returns an id and echoes the
# inputs, diff compares them, update echoes them, delete forgets. Pulumi pickles the provider
# class into the state: it must not reference anything the provider host cannot import.
NULL_PROGRAM = """\
import json
import uuid
import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

KEYS = ("name", "description", "state", "definition")


class NullProvider(ResourceProvider):
    def create(self, props):
        return CreateResult(id_=uuid.uuid4().hex, outs={**props, "status": "active"})

    def diff(self, _id, olds, news):
        changed = [k for k in KEYS if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def update(self, _id, _olds, news):
        return UpdateResult(outs={**news, "status": "active"})

    def delete(self, _id, _props):
        pass


class NullWorkflow(Resource):
    status: pulumi.Output[str]

    def __init__(self, name, args):
        super().__init__(NullProvider(), name, {**args, "status": None})


spec = json.load(open("spec.json"))
for resource_name, args in spec.get("workflows", {}).items():
    wf = NullWorkflow(resource_name, args)
    pulumi.export(f"{resource_name}.id", wf.id)
    pulumi.export(f"{resource_name}.status", wf.status)
"""


class Pulumi:
    name = "pulumi"
    title = "Pulumi `pulumi_b3os.Workflow` (dynamic)"
    steps = STEPS
    ours = True
    program: str | None = None  # None: the harness's program

    def __init__(self) -> None:
        self._bin: Path | None = None
        self._project: Any = None

    def unavailable(self) -> str | None:
        try:
            import pulumi_b3os  # noqa: F401
            from tests.pulumi.harness import find_pulumi_bin
        except ImportError as exc:
            return f"the Pulumi provider or its test harness is not importable: {exc}"
        self._bin = find_pulumi_bin()
        if self._bin is None:
            return "the pulumi CLI was not found: run `bash scripts/install-pulumi.sh` (or `make bench`)"
        return None

    def setup(self, ctx: Context) -> None:
        from tests.pulumi.harness import PulumiProject

        assert self._bin is not None
        self._project = PulumiProject.create(ctx.workdir / "pulumi", self._bin, ctx.server)
        if self.program is not None:
            (self._project.dir / "__main__.py").write_text(self.program, encoding="utf-8")
        ctx.env.clear()
        ctx.env.update(self._project.env)

    def command(self, ctx: Context, step: str, fleet: Fleet) -> list[str]:
        project = self._project
        project.declare(
            {
                wf.name: {
                    "name": wf.name,
                    "description": wf.description,
                    "state": wf.state,
                    "definition": wf.definition,
                }
                for wf in fleet.workflows
            }
        )
        pulumi = str(project.bin_dir / "pulumi")
        if step == "preview":
            return [pulumi, "preview", "--expect-no-changes", "--non-interactive", "--cwd", str(project.dir)]
        return [pulumi, "up", "--yes", "--skip-preview", "--non-interactive", "--cwd", str(project.dir)]

    def teardown(self, ctx: Context) -> None:
        self._project = None


class NativePulumi(Pulumi):
    name = "pulumi_native"
    title = "Pulumi native `b3os:index:Workflow`"
    program = NATIVE_PROGRAM

    def unavailable(self) -> str | None:
        import shutil
        import sys

        plugin = Path(sys.executable).parent / "pulumi-resource-b3os"
        if not plugin.exists() and shutil.which("pulumi-resource-b3os") is None:
            return "pulumi-resource-b3os is not installed in the venv"
        return super().unavailable()


class NullPulumi(Pulumi):
    name = "pulumi_null"
    title = "Pulumi, do-nothing dynamic provider (the engine's own cost)"
    ours = False
    program = NULL_PROGRAM
