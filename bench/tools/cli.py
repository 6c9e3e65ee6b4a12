"""``b3os apply`` on a directory holding one YAML file per workflow, as a user keeps them."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from bench.fleet import Fleet
from bench.tools.base import DEFAULT_STEPS, Context


def reset_dir(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)


def write_dir(directory: Path, fleet: Fleet) -> Path:
    """One YAML file per workflow; untouched files keep their mtime, as in git."""
    for wf in fleet.workflows:
        text = yaml.safe_dump(wf.as_dict(), sort_keys=False, width=1000)
        path = directory / f"{wf.name}.yaml"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return directory


class Cli:
    name = "b3os_apply"
    title = "`b3os apply DIR`"
    steps = DEFAULT_STEPS
    ours = True

    def __init__(self, b3os: str) -> None:
        self.b3os = b3os  # the console script of the venv

    def unavailable(self) -> str | None:
        return None if Path(self.b3os).exists() else f"{self.b3os} not found"

    def setup(self, ctx: Context) -> None:
        reset_dir(ctx.workdir / "workflows")

    def command(self, ctx: Context, step: str, fleet: Fleet) -> list[str]:
        return [self.b3os, "apply", str(write_dir(ctx.workdir / "workflows", fleet))]

    def teardown(self, ctx: Context) -> None:
        pass
