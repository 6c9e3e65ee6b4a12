"""The contract of a resource kind: what the engine and every front end call.

A kind is identity (an id, or a natural key), a field table, read/list, the lifecycle actions it
has, and its outputs. Front ends never branch on the kind: they look it up in ``b3os.kinds``
and call these methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from b3os.resource.fields import Field

if TYPE_CHECKING:
    from b3os.client import Client

__all__ = ["Kind", "Owner", "PreviewReport"]


@dataclass(frozen=True)
class Owner:
    """Who declares an object (``pulumi:<project>/<stack>``, ``dir:<uuid>``, ``ansible``) and how
    it may take over one found by natural key: ``adopt`` from anyone, ``adopt_unowned`` one
    without owner (an object already in this owner's state)."""

    name: str
    adopt: bool = False
    adopt_unowned: bool = False


class Kind(ABC):
    """One resource kind. Instances hold no state: one per kind, shared by every front end.

    * ``name``: ``workflow`` — the ``kind:`` key of CLI files and how messages name it.
    * ``token``: ``Workflow`` — the Pulumi type (``b3os:index:Workflow``) and class name.
    * ``module``: the Ansible module name (``b3os.b3os.<module>``).
    """

    name: ClassVar[str]
    token: ClassVar[str]
    module: ClassVar[str]
    description: ClassVar[str]
    fields: ClassVar[tuple[Field, ...]]
    example: ClassVar[dict[str, Any]] = {}  # declared values for docs, README and module EXAMPLES

    @abstractmethod
    def build(self, values: Mapping[str, Any], *, validate: bool = True, owner: Owner | None = None) -> Any:
        """Check user input (field names as keys, ``None`` = unmanaged) and return the spec;
        raise ``ConfigError``/``DefinitionError`` naming the field before anything is sent.
        ``owner``: who declares it, for kinds whose owner the server records (workflows)."""

    @abstractmethod
    def read(self, client: Client, spec: Any) -> Any | None:
        """The actual object the spec names, or ``None`` when there is none."""

    def read_many(self, client: Client, specs: Sequence[Any]) -> list[Any | None]:
        """``read`` for many specs (kinds override it to list once instead of per spec)."""
        return [self.read(client, spec) for spec in specs]

    @abstractmethod
    def plan(self, spec: Any, state: Any | None) -> Any:
        """Pure: the ordered actions that take ``state`` to ``spec``, and the managed-field diff."""

    @abstractmethod
    def apply(self, client: Client, plan: Any, *, dry_run: bool = False) -> Any:
        """Execute the plan with optimistic locking (or only predict it, with ``dry_run``)."""

    def apply_many(
        self,
        client: Client,
        plans: Sequence[Any],
        *,
        parallelism: int,
        on_done: Callable[[int, Any], None] | None = None,
    ) -> list[Any]:
        """Apply independent plans of this kind, ``parallelism`` at a time: each plan's result,
        or the ``B3OSError`` that stopped it, in input order; ``on_done(index, that)`` as each
        finishes, from its worker thread. By default one ``apply`` per plan; a kind overrides it
        to share reads between the plans (workflows: one read settles every create)."""
        from b3os._pool import pool_map
        from b3os.errors import B3OSError

        def one(index: int) -> Any:
            try:
                outcome = self.apply(client, plans[index])
            except B3OSError as exc:
                outcome = exc
            if on_done is not None:
                on_done(index, outcome)
            return outcome

        return pool_map(one, range(len(plans)), parallelism)

    def ensure(self, client: Client, spec: Any, *, dry_run: bool = False) -> Any:
        """Read, plan and apply in one call."""
        return self.apply(client, self.plan(spec, self.read(client, spec)), dry_run=dry_run)

    @abstractmethod
    def outputs(self, state: Any | None, spec: Any | None = None) -> dict[str, Any]:
        """The flat, front-end-neutral view of ``state`` (keys: the output fields' names)."""

    @abstractmethod
    def state_from_outputs(self, outputs: Mapping[str, Any]) -> Any | None:
        """Rebuild the state recorded in stored outputs (a Pulumi preview plans against it)."""

    def references(self, spec: Any) -> list[tuple[str, str]]:
        """Other declared objects this spec uses, as ``(kind name, natural key or id)``."""
        return []

    def label(self, spec: Any) -> str:
        """How messages name the object a spec declares."""
        return str(getattr(spec, "label", None) or self.name)

    # -- hooks for the Pulumi providers (defaults fit a kind without lifecycle subtleties) -------

    def delete(self, client: Client, id: str, *, owner: Owner | None = None) -> None:
        """Remove the object ``id`` (``pulumi destroy``); already gone is success; never what
        another owner manages."""
        raise NotImplementedError(f"the {self.name} kind does not implement delete")

    def reusable(self, state: Any, plan: Any) -> bool:
        """Whether a create that finds ``state`` by natural key may take it over without being
        told to (adopt): by default only when the plan changes nothing."""
        return not plan.changed

    def carry_over(self, state: Any | None, previous: Mapping[str, Any]) -> Any | None:
        """``state`` plus what the API never returns again, from the outputs a front end recorded
        (``previous``, keyed by field name); by default nothing to carry."""
        return state

    def undo_create(self, client: Client, spec: Any, before: Any | None) -> None:
        """A create failed part-way (``before`` is what existed before it): leave nothing
        half-done behind. By default nothing to undo."""
        return None

    def diff_paths(self, plan: Any) -> list[tuple[str | int, ...]]:
        """The changed properties as paths (field name first, then keys inside it), for
        per-property diffs; by default one path per changed field."""
        return [(name,) for name in plan.diff.changed]

    def preview_checks(
        self, client_of: Callable[[], Client], spec: Any, previous: Mapping[str, Any] | None
    ) -> PreviewReport:
        """What a preview asks the server before anything is written (Pulumi's ``check``):
        ``previous`` is what was declared last time (``None`` for a create). By default nothing:
        a kind's local checks in ``build`` are the whole of its validation."""
        return PreviewReport()


@dataclass(frozen=True)
class Found:
    """The object a preview's lookup found for a create (``state`` ``None``: there is none), the
    ``read`` a create of the same spec right after may use instead of its own."""

    state: Any


@dataclass(frozen=True)
class PreviewReport:
    """Problems fail the preview; warnings are shown in it (e.g. a server check that was skipped);
    ``found`` is what a lookup before a create found (``None``: no lookup was made)."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    found: Found | None = None
