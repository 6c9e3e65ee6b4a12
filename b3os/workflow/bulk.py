"""Many workflows in one call, over the shared read -> plan -> apply layer.

``apply_specs`` is what a front end that applies a list of workflows at once (the Ansible
``b3os.b3os.workflows`` module) calls: every spec is read (one organization listing via
``read_many``), planned and validated by the server *before* the first write, so bad input
anywhere means no write anywhere; then the plans are applied through the parallel engine
(``b3os.resource.fleet``, ``parallelism`` at a time). One workflow's failure does not stop the
others; if any failed, ``FleetError`` lists every failure and what was applied.

``apply_bulk`` is ``apply_specs`` with ``prune_owner``: it also archives every live workflow of the
organization whose owner marker is ``prune_owner`` and that the specs do not declare
(``prune_plans``), planned together with the declared ones before the first write. The
organization listing carries no ``uiMetadata``, so each undeclared live workflow costs one GET
(``parallelism`` at a time) to learn its owner. The shared default owner of Ansible plays
(``ansible``) cannot prune: every play that sets no owner shares it, so pruning under it would
archive other plays' workflows (docs/internals.md, "Prune in the bulk module").

``load_spec_texts`` is ``files.load_specs`` for files that arrive as text (an Ansible action
plugin reads a role's ``files/`` directory on the controller and sends the contents to the
module, which may run on another host): the same file format, the same checks, and error
messages that name the files as the user wrote them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from b3os._pool import pool_map
from b3os.client import Client
from b3os.errors import ConfigError, DefinitionError
from b3os.kinds import get
from b3os.resource.files import Declared
from b3os.resource.fleet import DEFAULT_PARALLELISM, FleetError, Planned, apply_all
from b3os.workflow.apply import ApplyResult, apply, validate_plans
from b3os.workflow.files import load_specs
from b3os.workflow.plan import Plan, plan
from b3os.workflow.spec import WorkflowSpec
from b3os.workflow.state import WorkflowState, read_by_id, read_many

__all__ = [
    "SHARED_OWNERS",
    "Bulk",
    "apply_bulk",
    "apply_specs",
    "check_prune_owner",
    "load_spec_texts",
    "plan_specs",
    "prune_plans",
]

# Owner markers many independent declared sets share (every Ansible play without ``owner``):
# "not declared here" says nothing about them, so they never prune.
SHARED_OWNERS = frozenset({"ansible"})


@dataclass(frozen=True)
class Bulk:
    """What ``apply_bulk`` did (or would do): the declared workflows in order, and the archives
    of the undeclared ones this owner owns (sorted by id)."""

    applied: list[ApplyResult]
    pruned: list[ApplyResult]


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


def check_prune_owner(owner: str | None) -> str:
    """The owner a prune may archive for; raises (before any request) for none or a shared one."""
    if owner is None or not owner.strip():
        raise ConfigError("prune needs an owner: the workflows it may archive are the ones marked with it")
    if owner in SHARED_OWNERS:
        raise ConfigError(
            f"prune is refused with the shared owner {owner!r}: every play that sets no owner marks its "
            f"workflows {owner!r}, so pruning would archive other plays' workflows. Give this set of "
            "workflows its own owner (for example owner: team-payments); workflows already marked "
            f"{owner!r} are then adopted by listing them with their id"
        )
    return owner


def prune_plans(
    client: Client, owner: str, keep_ids: Collection[str], *, parallelism: int = DEFAULT_PARALLELISM
) -> list[Plan]:
    """Archive plans for every live (not archived) workflow of the organization marked ``owner``
    whose id is not in ``keep_ids``, sorted by id. One listing, then one GET per live workflow not
    kept (the listing has no owner marker), ``parallelism`` at a time. Unowned workflows and those
    of any other owner are never planned."""
    owner = check_prune_owner(owner)
    keep = set(keep_ids)
    ids = sorted({item.id for item in client.iter_workflows() if item.status != "archived"} - keep)
    if not ids:
        return []
    states = pool_map(lambda i: read_by_id(client, i), ids, parallelism)
    plans = []
    for state in states:
        if state is None or state.status == "archived" or state.owner != owner:
            continue  # gone or archived meanwhile, or not ours: never touched
        spec = WorkflowSpec(id=state.id, name=_name(state), state="archived", owner=owner)
        plans.append(plan(spec, state))
    return plans


def _name(state: WorkflowState) -> str | None:
    return (state.live or state.latest).name


def apply_specs(
    client: Client,
    specs: Sequence[WorkflowSpec],
    *,
    dry_run: bool = False,
    parallelism: int = DEFAULT_PARALLELISM,
) -> list[ApplyResult]:
    """Plan all (no write before every spec has been read and validated), then apply them in
    parallel; results in the order of ``specs``."""
    return apply_bulk(client, specs, dry_run=dry_run, parallelism=parallelism).applied


def apply_bulk(
    client: Client,
    specs: Sequence[WorkflowSpec],
    *,
    dry_run: bool = False,
    parallelism: int = DEFAULT_PARALLELISM,
    prune_owner: str | None = None,
) -> Bulk:
    """``apply_specs``, and with ``prune_owner`` the archives of ``prune_plans``: every plan (the
    declared ones and the archives) is made before the first write; then all are applied in
    parallel. The declared set is kept by id after reading (a workflow found by name is kept)."""
    if prune_owner is not None:
        check_prune_owner(prune_owner)  # before any request
    plans = plan_specs(client, specs, parallelism=parallelism)
    pruning: list[Plan] = []
    if prune_owner is not None:
        keep = {p.state.id for p in plans if p.state is not None}
        keep.update(s.id for s in specs if s.id is not None)
        pruning = prune_plans(client, prune_owner, keep, parallelism=parallelism)
    if dry_run:
        return Bulk(
            [apply(client, p, dry_run=True) for p in plans],
            [apply(client, p, dry_run=True) for p in pruning],
        )
    kind = get("workflow")
    planned = [Planned(Declared(Path(p.spec.label), kind, p.spec), p) for p in [*plans, *pruning]]
    outcomes = apply_all(client, planned, parallelism=parallelism)
    if any(not o.ok for o in outcomes):
        raise FleetError(outcomes)
    results = [o.result for o in outcomes if o.result is not None]  # every one is ok here
    return Bulk(results[: len(plans)], results[len(plans) :])


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
