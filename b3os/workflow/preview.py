"""What a preview asks B3OS about a workflow before anything is written, for both Pulumi providers.

* ``server_validation``: the server's validator, run only when the declared definition differs
  from the previous one (an unchanged preview makes no API call). An API that cannot be reached
  is not a failure — a preview must work offline — but it is never silent either: ``skipped``
  says why, and the front end shows it as a warning ("server validation skipped: …").
* ``look_up_name``: before a create, a same-named workflow of another owner (or of none)
  that the resource does not adopt fails the preview naming that owner, instead of surprising
  the user during ``up``. What the lookup found is handed to the create that follows in the
  same provider process (``NameLookup.state``), which then does not list the name again: two
  requests and a round trip less per new workflow. That is safe although the lookup may be
  seconds old: a same-named workflow created since is met by the create's convergence (our copy
  is archived again and the create fails with a conflict, ``b3os.workflow.converge``), and one
  changed since fails the optimistic lock of the first write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from b3os.errors import B3OSError, NotFoundError, TransportError
from b3os.models import ValidationItem
from b3os.normalize import definitions_equal

if TYPE_CHECKING:
    from b3os.client import Client
    from b3os.workflow.spec import WorkflowSpec
    from b3os.workflow.state import WorkflowState

__all__ = ["NameLookup", "ServerCheck", "definition_changed", "look_up_name", "server_validation"]


@dataclass(frozen=True)
class ServerCheck:
    """The server's verdict: ``problems`` it rejected the definition for (items name node and
    field), ``refused`` when the API could not be used at all, ``skipped`` when it could not be
    reached (the preview goes on with the local validator's verdict only)."""

    problems: list[ValidationItem] = field(default_factory=list)
    refused: str | None = None
    skipped: str | None = None


def definition_changed(old: Any, new: Any) -> bool:
    """Whether the declared definition differs from the previous one (always, on create)."""
    if not isinstance(new, dict):
        return False
    return not isinstance(old, dict) or not definitions_equal(new, old)


def server_validation(
    client_of: Callable[[], Client], definition: dict[str, Any], name: str | None
) -> ServerCheck:
    """Ask the server's validator (``client_of`` builds the client: building it may fail too)."""
    try:
        client = client_of()
    except B3OSError as exc:  # no key, plain http to a remote host, …
        return ServerCheck(refused=f"the B3OS API cannot be used: {exc}")
    try:
        result = client.validate_definition(definition, name=name or "Untitled")
    except (TransportError, NotFoundError) as exc:
        why = (
            "has no validate endpoint (404)"
            if isinstance(exc, NotFoundError)
            else f"could not be reached: {exc}"
        )
        return ServerCheck(
            skipped=(
                f"workflow {name!r}: server validation skipped: the B3OS API at {client.base_url} {why}. "
                "The definition passed the local validator only; `pulumi up` needs the API."
            )
        )
    except B3OSError as exc:  # wrong key, …: one clear line, no traceback
        return ServerCheck(refused=f"the B3OS API refused to validate the definition: {exc}")
    if result.valid:
        return ServerCheck()
    return ServerCheck(
        problems=list(result.errors) or [ValidationItem(message="the server rejected the definition")]
    )


@dataclass(frozen=True)
class NameLookup:
    """A preview's lookup of a create's name: the conflict the create would meet (naming the
    owner and how to adopt; ``None``: none) and the workflow found (``None``: the name is free)."""

    conflict: str | None
    state: WorkflowState | None


def look_up_name(client_of: Callable[[], Client], spec: WorkflowSpec) -> NameLookup | None:
    """The lookup of ``spec``'s name a create would make, or ``None`` when it could not be made
    (an unreachable API, an ambiguity): that is left to the create, which has the context."""
    from b3os.workflow.owner import OwnershipError
    from b3os.workflow.plan import plan
    from b3os.workflow.state import read

    try:
        state = read(client_of(), spec)
    except B3OSError:
        return None
    try:
        plan(spec, state)
    except OwnershipError as exc:
        return NameLookup(str(exc), state)
    except B3OSError:
        pass  # another problem of the spec: the create plans again and reports it
    return NameLookup(None, state)
