"""The Pulumi provider with the real CLI, a local file backend and the test harness's project.

The project, its environment (file backend, PULUMI_HOME, passphrase, the venv's Python) and the
program come from tests/pulumi/harness.py: the benchmark runs exactly what the tests run.
``up`` is measured with ``--skip-preview`` (the update alone, like ``b3os apply``); ``preview``
is measured on its own with unchanged inputs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.fleet import Fleet
from bench.tools.base import Context

__all__ = ["Pulumi"]

STEPS: tuple[tuple[str, str], ...] = (
    ("create", "create"),
    ("preview", "noop"),
    ("noop", "noop"),
    ("change", "change"),
    ("pause", "pause"),
    ("archive", "archive"),
)


class Pulumi:
    name = "pulumi"
    title = "Pulumi `pulumi_b3os.Workflow`"
    steps = STEPS
    ours = True

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
