"""Many workflows in one call, over the shared read -> plan -> apply layer.

``apply_specs`` is what a front end that applies a list of workflows at once (the Ansible
``b3os.b3os.workflows`` module) calls: every spec is read (one organization listing via
``read_many``), planned and validated by the server *before* the first write, so bad input
anywhere means no write anywhere; then the plans are applied through the parallel engine
(``b3os.resource.fleet``, ``parallelism`` at a time). One workflow's failure does not stop the
others; if any failed, ``FleetError`` lists every failure and what was applied.

``load_spec_texts`` is ``files.load_specs`` for files that arrive as text (an Ansible action
plugin reads a role's ``files/`` directory on the controller and sends the contents to the
module, which may run on another host): the same file format, the same checks, and error
messages that name the files as the user wrote them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from b3os.client import Client
from b3os.errors import ConfigError, DefinitionError
from b3os.kinds import get
from b3os.resource.files import Declared
from b3os.resource.fleet import DEFAULT_PARALLELISM, FleetError, Planned, apply_all
from b3os.workflow.apply import ApplyResult, apply, validate_plans
from b3os.workflow.files import load_specs
from b3os.workflow.plan import Plan, plan
from b3os.workflow.spec import WorkflowSpec
from b3os.workflow.state import read_many

__all__ = ["apply_specs", "load_spec_texts", "plan_specs"]


def plan_specs(
    client: Client, specs: Sequence[WorkflowSpec], *, parallelism: int = DEFAULT_PARALLELISM
) -> list[Plan]:
    """Read every workflow, plan each, and have the server validate every definition a plan
    would send (``validate_plans``: twice ``parallelism`` at a time, each distinct one once);
    raises before anything is written."""
    labels: dict[str, str] = {}
    for spec in specs:
        key = spec.id or f"name:{spec.name}"
        if key in labels:
            raise ConfigError(f"workflow {spec.label} is listed twice; list each workflow once")
        labels[key] = spec.label
    states = read_many(client, specs, parallelism=parallelism)
    plans = [plan(spec, state) for spec, state in zip(specs, states, strict=True)]
    validate_plans(client, plans, parallelism=parallelism)
    return plans


def apply_specs(
    client: Client,
    specs: Sequence[WorkflowSpec],
    *,
    dry_run: bool = False,
    parallelism: int = DEFAULT_PARALLELISM,
) -> list[ApplyResult]:
    """Plan all (no write before every spec has been read and validated), then apply them in
    parallel; results in the order of ``specs``."""
    plans = plan_specs(client, specs, parallelism=parallelism)
    if dry_run:
        return [apply(client, the_plan, dry_run=True) for the_plan in plans]
    kind = get("workflow")
    planned = [Planned(Declared(Path(p.spec.label), kind, p.spec), p) for p in plans]
    outcomes = apply_all(client, planned, parallelism=parallelism)
    if any(not o.ok for o in outcomes):
        raise FleetError(outcomes)
    return [o.result for o in outcomes if o.result is not None]  # every one is ok here


def load_spec_texts(files: Mapping[str, str], *, label: str) -> list[tuple[str, WorkflowSpec]]:
    """Workflow files given as ``{relative path: text}`` (a directory read elsewhere), loaded with
    ``load_specs`` semantics: the top-level ``*.yaml|*.yml|*.json`` files are workflows, sorted;
    a ``definition_file`` inside one is relative to it and may point at any other file given.
    Returns ``(label/relative path, spec)`` pairs; errors name ``label/relative path``."""
    with tempfile.TemporaryDirectory(prefix="b3os-src-") as tmp:
        root = Path(tmp)
        for name, text in files.items():
            rel = PurePosixPath(name)
            if rel.is_absolute() or ".." in rel.parts or not rel.parts:
                raise ConfigError(
                    f"{label}: file name {name!r} must be relative and stay inside the directory"
                )
            target = root.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        prefix = str(root)
        shown = label.rstrip("/")
        try:
            loaded = load_specs([root])
        except DefinitionError as exc:
            raise DefinitionError(exc.items, message=exc.message.replace(prefix, shown)) from None
        except ConfigError as exc:
            raise ConfigError(str(exc).replace(prefix, shown)) from None
        return [(str(path).replace(prefix, shown), spec) for path, spec in loaded]
