"""``Client``: one synchronous, thread-safe httpx client for the B3OS REST API.

Split by concern: :class:`b3os._transport.Transport` is the transport + retry core (the one
request path: it unwraps the ``{code, message, data, requestId}`` envelope, turns every failure
into a ``b3os.errors`` type and retries only requests that are safe to repeat, within one retry
budget); the sub-APIs are attributes: ``client.workflows``, ``client.runs``,
``client.connectors``, ``client.execution_webhooks``, ``client.variables``. The flat methods
(``create_workflow``, ``get_run`` …) are kept and delegate to them. Creates (``POST
/v1/workflows``, ``/v1/connectors``, ``/v1/execution-webhooks``) are never retried: a lost
response would otherwise create a duplicate.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from b3os._retry import DEFAULT_RETRY, NO_RETRY, RetryBudget, RetryPolicy
from b3os._version import __version__
from b3os._wire import MAX_PAGE_SIZE, check_base_url, new_run_id
from b3os.errors import ConfigError

if TYPE_CHECKING:
    import httpx
    from pydantic import BaseModel

    from b3os._api.connectors import ConnectorsAPI
    from b3os._api.execution_webhooks import ExecutionWebhooksAPI
    from b3os._api.runs import RunsAPI
    from b3os._api.variables import VariablesAPI
    from b3os._api.workflows import WorkflowsAPI
    from b3os.models import Page, Run, RunEvent, RunListItem, ValidationResult, Workflow, WorkflowListItem

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_RETRY",
    "MAX_PAGE_SIZE",
    "NO_RETRY",
    "Client",
    "RetryBudget",
    "RetryPolicy",
    "new_run_id",
]

DEFAULT_BASE_URL = "https://api.b3os.org"


class Client:
    """Synchronous B3OS API client. Safe to share between threads; use as a context manager.

    ``verify`` is httpx's: ``False`` skips TLS verification, a path names a CA bundle.
    ``sleep`` and ``clock`` are injectable so that tests of the retry policy do not really wait.
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        transport: httpx.BaseTransport | None = None,
        user_agent: str | None = None,
        verify: bool | str = True,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        url = base_url if base_url is not None else os.environ.get("B3OS_API_URL") or DEFAULT_BASE_URL
        self.base_url = check_base_url(url)
        key = api_key if api_key is not None else os.environ.get("B3OS_API_KEY", "")
        key = key.strip()
        if not key:
            raise ConfigError("no B3OS API key: pass api_key= or set B3OS_API_KEY")
        if any(c in key for c in "\r\n"):
            raise ConfigError("the B3OS API key contains a line break; check B3OS_API_KEY")
        if not timeout > 0:
            raise ConfigError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self.timeout = timeout
        self.retry = retry
        # httpx (~90 ms of imports) and the transport load here, not at `import b3os.client`.
        from b3os import _http  # first: it loads httpx without httpx's optional CLI
        from b3os._transport import Transport

        httpx = _http.httpx
        agent = user_agent or f"b3os-iac/{__version__} python-httpx/{httpx.__version__}"
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            verify=verify,
            headers={
                "Authorization": f"Bearer {key}",
                "Accept": "application/json",
                "User-Agent": agent,
            },
        )
        self._transport = Transport(
            self._http, retry=retry, timeout=timeout, secrets=(key,), sleep=sleep, clock=clock
        )

    new_run_id = staticmethod(new_run_id)

    # Every sub-API loads on first use: ``import b3os.client`` pays for none of them (runs brings
    # the SSE reader), and a process that only manages workflows never imports the runs pieces.
    @cached_property
    def workflows(self) -> WorkflowsAPI:
        from b3os._api.workflows import WorkflowsAPI

        return WorkflowsAPI(self._transport)

    @cached_property
    def runs(self) -> RunsAPI:
        from b3os._api.runs import RunsAPI

        return RunsAPI(self._transport)

    @cached_property
    def connectors(self) -> ConnectorsAPI:
        from b3os._api.connectors import ConnectorsAPI

        return ConnectorsAPI(self._transport)

    @cached_property
    def execution_webhooks(self) -> ExecutionWebhooksAPI:
        from b3os._api.execution_webhooks import ExecutionWebhooksAPI

        return ExecutionWebhooksAPI(self._transport)

    @cached_property
    def variables(self) -> VariablesAPI:
        from b3os._api.variables import VariablesAPI

        return VariablesAPI(self._transport)

    # -- lifecycle and the retry budget --------------------------------------------------------

    def retry_budget(self) -> RetryBudget:
        """A fresh budget for a caller that retries by itself (see :meth:`backoff`)."""
        return self._transport.budget()

    def backoff(
        self, attempt: int, retry_after: float | None = None, *, budget: RetryBudget | None = None
    ) -> bool:
        """Wait as the retry policy says before the caller's own retry number ``attempt``: for
        requests the client must not repeat by itself, such as creating a workflow.

        With ``budget`` (from :meth:`retry_budget`, made before the first attempt) the wait spends
        that one budget: it returns False without sleeping when the next attempt would exceed the
        policy's attempts or elapsed time (``raise budget.give_up(error)`` then). Without one, a
        wait longer than the whole ``max_elapsed`` budget is not slept (returns False); the
        caller bounds the attempts."""
        if budget is not None:
            while budget.attempts < attempt:
                budget.attempt()
            return budget.wait(retry_after)
        delay = self.retry.delay(attempt, retry_after)
        if delay > self.retry.max_elapsed:
            return False
        self._transport.sleep(delay)
        return True

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r}, api_key='***', timeout={self.timeout!r})"

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The one request path (kept for callers of the old private name)."""
        return self._transport.request(method, path, **kwargs)

    # -- workflows (flat names, delegating to client.workflows) --------------------------------

    def create_workflow(
        self,
        name: str,
        description: str,
        definition: Mapping[str, Any] | BaseModel,
        *,
        cooldown_ms: int | None = None,
        max_runs: int | None = None,
        ui_metadata: Mapping[str, Any] | None = None,
    ) -> Workflow:
        """Create a draft workflow. Never retried: a repeat would create a duplicate."""
        return self.workflows.create(
            name, description, definition, cooldown_ms=cooldown_ms, max_runs=max_runs, ui_metadata=ui_metadata
        )

    def list_workflows(
        self,
        *,
        q: str | None = None,
        status: str | None = None,
        type: str | None = None,
        sort: str | None = None,
        limit: int = MAX_PAGE_SIZE,
        offset: int = 0,
        **extra: Any,
    ) -> Page[WorkflowListItem]:
        """One page of workflows; extra filters (``actions``, ``connectors``, ``owner`` …) pass through."""
        return self.workflows.list(
            q=q, status=status, type=type, sort=sort, limit=limit, offset=offset, **extra
        )

    def iter_workflows(self, **filters: Any) -> Iterator[WorkflowListItem]:
        """Every workflow matching ``filters``, following ``hasMore`` page by page."""
        return self.workflows.iter(**filters)

    def get_workflow(self, id: str) -> Workflow:
        return self.workflows.get(id)

    def get_draft(self, id: str) -> Workflow:
        return self.workflows.get_draft(id)

    def get_live(self, id: str) -> Workflow:
        return self.workflows.get_live(id)

    def update_workflow(
        self,
        id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        definition: Mapping[str, Any] | BaseModel | None = None,
        cooldown_ms: int | None = None,
        max_runs: int | None = None,
        expected_current_version: int | None = None,
    ) -> Workflow:
        """PUT only the given fields; changed content makes a new draft version."""
        return self.workflows.update(
            id,
            name=name,
            description=description,
            definition=definition,
            cooldown_ms=cooldown_ms,
            max_runs=max_runs,
            expected_current_version=expected_current_version,
        )

    def set_ui_metadata(
        self, id: str, ui_metadata: Mapping[str, Any], *, expected_current_version: int | None = None
    ) -> dict[str, Any]:
        """PATCH the workflow's ``uiMetadata`` in place (no new version, §5.1); returns ``{version}``."""
        return self.workflows.set_ui_metadata(
            id, ui_metadata, expected_current_version=expected_current_version
        )

    def archive_workflow(self, id: str) -> Workflow | None:
        """DELETE = archive (soft delete)."""
        return self.workflows.archive(id)

    def unarchive_workflow(self, id: str) -> Workflow | None:
        return self.workflows.unarchive(id)

    def validate_definition(
        self, definition: Mapping[str, Any] | BaseModel, name: str = "Untitled"
    ) -> ValidationResult:
        """Server-side validation, no side effects (so it is retried like a GET)."""
        return self.workflows.validate(definition, name)

    def publish(self, id: str, *, expected_version: int | None = None) -> Workflow | None:
        return self.workflows.publish(id, expected_version=expected_version)

    def pause(self, id: str) -> Workflow | None:
        return self.workflows.pause(id)

    def resume(self, id: str) -> Workflow | None:
        return self.workflows.resume(id)

    def discard_draft(self, id: str) -> Workflow | None:
        return self.workflows.discard_draft(id)

    def rollback(
        self, id: str, target_version: int, *, expected_current_version: int | None = None
    ) -> Workflow:
        """Copy ``target_version``'s definition into a new draft (publish to make it live)."""
        return self.workflows.rollback(id, target_version, expected_current_version=expected_current_version)

    def list_versions(self, id: str, *, limit: int = MAX_PAGE_SIZE, offset: int = 0) -> Page[Workflow]:
        return self.workflows.list_versions(id, limit=limit, offset=offset)

    def get_version(self, id: str, n: int) -> Workflow:
        return self.workflows.get_version(id, n)

    def set_visibility(self, id: str, visibility: str) -> dict[str, Any]:
        """``visibility`` ∈ private | org | public_view | public_execute; returns ``{id, visibility}``."""
        return self.workflows.set_visibility(id, visibility)

    # -- runs (flat names, delegating to client.runs) ------------------------------------------

    def run_workflow(
        self,
        id: str,
        *,
        payload: Mapping[str, Any] | None = None,
        run_id: str | None = None,
        version: int | None = None,
        simulate: bool | None = None,
    ) -> str:
        """Start a run and return its id (retried safely with a client-chosen run id)."""
        return self.runs.start(id, payload=payload, run_id=run_id, version=version, simulate=simulate)

    def list_runs(
        self,
        *,
        workflow_id: str | None = None,
        status: str | None = None,
        limit: int = MAX_PAGE_SIZE,
        offset: int = 0,
    ) -> Page[RunListItem]:
        """Org-wide runs, or one workflow's runs (``GET /v1/workflows/{id}/runs``) with ``workflow_id``."""
        return self.runs.list(workflow_id=workflow_id, status=status, limit=limit, offset=offset)

    def iter_runs(self, **filters: Any) -> Iterator[RunListItem]:
        return self.runs.iter(**filters)

    def get_run(self, run_id: str, *, summary: bool = False, node_ids: list[str] | None = None) -> Run:
        return self.runs.get(run_id, summary=summary, node_ids=node_ids)

    def cancel_run(self, run_id: str) -> Run:
        return self.runs.cancel(run_id)

    def retry_run(self, run_id: str) -> Run:
        """Re-execute a failed (or cancelled) run; the answer is the new run (b3os-api.md §9 G4)."""
        return self.runs.retry(run_id)

    def resume_node(
        self, run_id: str, node_id: str, *, secret: str, data: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Resume a ``wait`` node; ``secret`` is the workflow's trigger secret (kept out of errors)."""
        return self.runs.resume_node(run_id, node_id, secret=secret, data=data)

    def stream_run(self, run_id: str) -> Iterator[RunEvent]:
        """Events of one run, ending after the terminal event or when the server closes the stream."""
        return self.runs.stream(run_id)

    def run_and_follow(
        self,
        id: str,
        *,
        payload: Mapping[str, Any] | None = None,
        simulate: bool | None = None,
        version: int | None = None,
        poll_interval: float = 1.0,
        wait_timeout: float = 600.0,
    ) -> Iterator[RunEvent]:
        """Start a run and follow it; ends with ``RunEvent(type="run_final")`` (see ``client.runs``)."""
        return self.runs.run_and_follow(
            id,
            payload=payload,
            simulate=simulate,
            version=version,
            poll_interval=poll_interval,
            wait_timeout=wait_timeout,
        )
