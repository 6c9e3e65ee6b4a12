"""``WorkflowFolder``: every workflow file of a directory as one component.

The files are the ones ``b3os apply`` reads (``b3os.workflow.files``): one workflow per .json or
.yaml file with ``name``, ``description``, ``state``, ``definition`` or ``definition_file``, and
optionally ``cooldown_ms``, ``max_runs``, ``visibility``; a file with an ``id`` adopts that workflow.
``adopt=True`` takes over every same-named workflow (from a CLI directory, another stack, or the
app) explicitly: without it, one owned elsewhere is a preview error naming its owner.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pulumi

from b3os.workflow.files import load_specs
from pulumi_b3os.resource import Workflow, WorkflowArgs

__all__ = ["WorkflowFolder"]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "workflow"


class WorkflowFolder(pulumi.ComponentResource):
    """One ``Workflow`` child per file; ``workflows`` maps file stem → resource, ``ids`` → id."""

    workflows: dict[str, Workflow]
    ids: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        path: str | os.PathLike[str],
        opts: pulumi.ResourceOptions | None = None,
        *,
        adopt: bool = False,
    ) -> None:
        super().__init__("b3os:index:WorkflowFolder", name, None, opts)
        self.workflows = {}
        for file, spec in load_specs([Path(path)]):
            key = _slug(file.stem)
            self.workflows[key] = Workflow(
                f"{name}-{key}",
                WorkflowArgs(
                    name=spec.name,
                    description=spec.description,
                    definition=spec.definition,
                    state=spec.state,
                    cooldown_ms=spec.cooldown_ms,
                    max_runs=spec.max_runs,
                    visibility=spec.visibility,
                    adopt_id=spec.id,
                    adopt_by_name=True if adopt and spec.id is None else None,
                ),
                pulumi.ResourceOptions(parent=self),
            )
        self.ids = pulumi.Output.all(**{k: w.id for k, w in self.workflows.items()})
        self.register_outputs({"ids": self.ids})
