"""``Client``: one synchronous, thread-safe httpx client for the B3OS workflow REST API.

Every call goes through ``Client._request``: it unwraps the ``{code, message, data, requestId}``
envelope, turns failures into ``b3os.errors`` types (via ``b3os._http``) and retries only requests
that are safe to repeat (GET/PUT/DELETE and the POSTs marked safe below). ``POST /v1/workflows``
is never retried: a lost response would otherwise create a duplicate workflow.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from b3os import _http
from b3os._retry import DEFAULT_RETRY, NO_RETRY, RETRY_STATUSES, RetryPolicy, parse_retry_after
from b3os._sse import iter_run_events
from b3os._version import __version__
from b3os.errors import APIError, B3OSError, ConfigError, TransportError
from b3os.models import (
    RUN_TERMINAL_STATUSES,
    Page,
    Run,
    RunEvent,
    RunListItem,
    ValidationResult,
    Workflow,
    WorkflowListItem,
)

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_RETRY", "NO_RETRY", "Client", "RetryPolicy", "new_run_id"]

DEFAULT_BASE_URL = "https://api.b3os.org"
MAX_PAGE_SIZE = 100
# SSE servers send heartbeats every ~15-30 s; a read timeout shorter than that would cut a healthy stream.
_STREAM_READ_TIMEOUT = 90.0

M = TypeVar("M", bound=BaseModel)


def new_run_id() -> str:
    """A fresh client-chosen run id (``run_`` + 24 hex chars), matching ``^run_\\w+$``."""
    return "run_" + os.urandom(12).hex()  # os.urandom is the CSPRNG `secrets` wraps, minus its import cost


def _definition_to_wire(definition: Any) -> Any:
    if isinstance(definition, BaseModel):
        return definition.model_dump(by_alias=True, exclude_none=True, mode="json")
    return definition


def _seg(value: object) -> str:
    """One URL path segment: an id like ``wf_1?x=1`` or ``../runs`` must not change the route."""
    return quote(str(value), safe="")


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")
    return limit


def _drop_none(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


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
        self.base_url = _http.check_base_url(url)
        key = api_key if api_key is not None else os.environ.get("B3OS_API_KEY", "")
        key = key.strip()
        if not key:
            raise ConfigError("no B3OS API key: pass api_key= or set B3OS_API_KEY")
        if any(c in key for c in "\r\n"):
            raise ConfigError("the B3OS API key contains a line break; check B3OS_API_KEY")
        self._api_key = key
        if not timeout > 0:
            raise ConfigError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self.timeout = timeout
        self.retry = retry
        self._sleep = sleep
        self._clock = clock
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
        self._closed = threading.Event()

    new_run_id = staticmethod(new_run_id)

    # -- lifecycle ---------------------------------------------------------------------------

    def backoff(self, attempt: int, retry_after: float | None = None) -> None:
        """Wait as the retry policy says before the caller's own retry number ``attempt``: for
        requests the client must not repeat by itself, such as creating a workflow."""
        self._sleep(self.retry.delay(attempt, retry_after))

    def close(self) -> None:
        self._closed.set()
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r}, api_key='***', timeout={self.timeout!r})"

    # -- the one request path ----------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        safe: bool | None = None,
        ok_on_retry_code: int | None = None,
        secrets: tuple[str, ...] = (),
    ) -> Any:
        """Send, retry if ``safe`` (default: GET/PUT/DELETE), unwrap the envelope's ``data``."""
        if safe is None:
            safe = method in ("GET", "PUT", "DELETE", "HEAD")
        query = _http.clean_params(dict(params) if params else None)
        headers = {"Content-Type": "application/json"} if json is not None else None

        def send() -> httpx.Response:
            return self._http.request(method, path, params=query, json=json, headers=headers)

        response = self._send(
            method, path, send, safe=safe, ok_on_retry_code=ok_on_retry_code, secrets=secrets
        )
        return None if response is None else _http.unwrap(response, method=method, path=path)

    def _send(
        self,
        method: str,
        path: str,
        send: Callable[[], httpx.Response],
        *,
        safe: bool,
        ok_on_retry_code: int | None = None,
        secrets: tuple[str, ...] = (),
    ) -> httpx.Response | None:
        """The retry loop. Returns the 2xx response, or None when ``ok_on_retry_code`` (an error code
        meaning "an earlier attempt already succeeded", e.g. 400079 for runs) shows up on a retry.
        ``send`` must return a response whose body is readable (streams: read on failure)."""
        policy = self.retry if safe else NO_RETRY
        all_secrets = (self._api_key, *secrets)
        start = self._clock()
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            cause: BaseException | None = None
            try:
                response = send()
            except httpx.HTTPError as exc:
                error: B3OSError = _http.translate_transport_error(
                    exc, method=method, path=path, secrets=all_secrets
                )
                retryable = isinstance(exc, httpx.TransportError) and _http.is_retryable_transport_error(exc)
                cause = exc
            else:
                if response.is_success:
                    return response
                api_error = _http.error_from_response(response, method=method, path=path, secrets=all_secrets)
                if attempt > 1 and ok_on_retry_code is not None and api_error.code == ok_on_retry_code:
                    return None
                error = api_error
                retryable = response.status_code in RETRY_STATUSES
                if retryable:  # 429 and 503 may both carry Retry-After
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
            if not retryable or attempt >= policy.max_attempts:
                raise error from cause
            delay = policy.delay(attempt, retry_after)
            if self._clock() - start + delay > policy.max_elapsed:
                raise error from cause
            self._sleep(delay)

    def _model(self, model: type[M], data: Any) -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            # A 2xx body of the wrong shape is the server's fault; front ends catch only B3OSError.
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()[:5]
            )
            raise APIError(
                f"the server's answer does not look like a {model.__name__}: {problems}", status_code=200
            ) from exc

    def _maybe_workflow(self, data: Any) -> Workflow | None:
        # Lifecycle calls return an unspecified payload (b3os-api.md §9 G2): a Workflow if it looks like one.
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            return Workflow.model_validate(data)
        return None

    # -- workflows: CRUD and validation (§5.1) -------------------------------------------------

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
        body = _drop_none(
            {
                "name": name,
                "description": description,
                "definition": _definition_to_wire(definition),
                "cooldownMs": cooldown_ms,
                "maxRuns": max_runs,
                "uiMetadata": dict(ui_metadata) if ui_metadata is not None else None,
            }
        )
        return self._model(Workflow, self._request("POST", "/v1/workflows", json=body, safe=False))

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
        params = {"q": q, "status": status, "type": type, "sort": sort, **extra}
        params.update(limit=_check_limit(limit), offset=offset)
        return self._model(Page[WorkflowListItem], self._request("GET", "/v1/workflows", params=params))

    def iter_workflows(self, **filters: Any) -> Iterator[WorkflowListItem]:
        """Every workflow matching ``filters``, following ``hasMore`` page by page."""
        return self._paginate(self.list_workflows, filters)

    def get_workflow(self, id: str) -> Workflow:
        return self._model(Workflow, self._request("GET", f"/v1/workflows/{_seg(id)}"))

    def get_draft(self, id: str) -> Workflow:
        return self._model(Workflow, self._request("GET", f"/v1/workflows/{_seg(id)}/draft"))

    def get_live(self, id: str) -> Workflow:
        return self._model(Workflow, self._request("GET", f"/v1/workflows/{_seg(id)}/live"))

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
        body = _drop_none(
            {
                "name": name,
                "description": description,
                "definition": _definition_to_wire(definition),
                "cooldownMs": cooldown_ms,
                "maxRuns": max_runs,
                "expectedCurrentVersion": expected_current_version,
            }
        )
        return self._model(Workflow, self._request("PUT", f"/v1/workflows/{_seg(id)}", json=body))

    def set_ui_metadata(
        self, id: str, ui_metadata: Mapping[str, Any], *, expected_current_version: int | None = None
    ) -> dict[str, Any]:
        """PATCH the workflow's ``uiMetadata`` in place (no new version, §5.1); returns ``{version}``."""
        body = _drop_none(
            {"uiMetadata": dict(ui_metadata), "expectedCurrentVersion": expected_current_version}
        )
        data = self._request("PATCH", f"/v1/workflows/{_seg(id)}/ui-metadata", json=body, safe=True)
        return data if isinstance(data, dict) else {}

    def archive_workflow(self, id: str) -> Workflow | None:
        """DELETE = archive (soft delete)."""
        return self._maybe_workflow(self._request("DELETE", f"/v1/workflows/{_seg(id)}"))

    def unarchive_workflow(self, id: str) -> Workflow | None:
        return self._maybe_workflow(self._request("POST", f"/v1/workflows/{_seg(id)}/unarchive", safe=False))

    def validate_definition(
        self, definition: Mapping[str, Any] | BaseModel, name: str = "Untitled"
    ) -> ValidationResult:
        """Server-side validation, no side effects (so it is retried like a GET)."""
        body = {"definition": _definition_to_wire(definition), "name": name}
        data = self._request("POST", "/v1/workflows/validate", json=body, safe=True)
        return self._model(ValidationResult, data)

    # -- workflows: lifecycle and versions (§5.2) ----------------------------------------------

    def publish(self, id: str, *, expected_version: int | None = None) -> Workflow | None:
        body = _drop_none({"expectedVersion": expected_version}) or None
        return self._maybe_workflow(
            self._request("POST", f"/v1/workflows/{_seg(id)}/publish", json=body, safe=True)
        )

    def pause(self, id: str) -> Workflow | None:
        return self._maybe_workflow(self._request("POST", f"/v1/workflows/{_seg(id)}/pause", safe=True))

    def resume(self, id: str) -> Workflow | None:
        return self._maybe_workflow(self._request("POST", f"/v1/workflows/{_seg(id)}/resume", safe=True))

    def discard_draft(self, id: str) -> Workflow | None:
        return self._maybe_workflow(self._request("DELETE", f"/v1/workflows/{_seg(id)}/draft"))

    def rollback(
        self, id: str, target_version: int, *, expected_current_version: int | None = None
    ) -> Workflow:
        """Copy ``target_version``'s definition into a new draft (publish to make it live)."""
        body = _drop_none(
            {"targetVersion": target_version, "expectedCurrentVersion": expected_current_version}
        )
        data = self._request("POST", f"/v1/workflows/{_seg(id)}/rollback", json=body, safe=False)
        return self._model(Workflow, data)

    def list_versions(self, id: str, *, limit: int = MAX_PAGE_SIZE, offset: int = 0) -> Page[Workflow]:
        params = {"limit": _check_limit(limit), "offset": offset}
        return self._model(
            Page[Workflow], self._request("GET", f"/v1/workflows/{_seg(id)}/versions", params=params)
        )

    def get_version(self, id: str, n: int) -> Workflow:
        return self._model(Workflow, self._request("GET", f"/v1/workflows/{_seg(id)}/versions/{_seg(n)}"))

    def set_visibility(self, id: str, visibility: str) -> dict[str, Any]:
        """``visibility`` ∈ private | org | public_view | public_execute; returns ``{id, visibility}``."""
        data = self._request("PUT", f"/v1/workflows/{_seg(id)}/visibility", json={"visibility": visibility})
        return data if isinstance(data, dict) else {"id": id, "visibility": visibility}

    # -- runs (§5.3, §5.4) ---------------------------------------------------------------------

    def run_workflow(
        self,
        id: str,
        *,
        payload: Mapping[str, Any] | None = None,
        run_id: str | None = None,
        version: int | None = None,
        simulate: bool | None = None,
    ) -> str:
        """Start a run and return its id. A client-chosen ``run_…`` id makes the POST safe to retry:
        a duplicate-run-id answer (400079) on a retry means an earlier attempt created it."""
        rid = run_id or new_run_id()
        body = _drop_none(
            {
                "payload": dict(payload) if payload is not None else None,
                "runId": rid,
                "version": version,
                "simulate": simulate,
            }
        )
        data = self._request(
            "POST",
            f"/v1/workflows/{_seg(id)}/run",
            json=body,
            safe=True,
            ok_on_retry_code=_http.CODE_DUPLICATE_RUN_ID,
        )
        if isinstance(data, dict) and isinstance(data.get("runId"), str):
            return str(data["runId"])
        return rid

    def list_runs(
        self,
        *,
        workflow_id: str | None = None,
        status: str | None = None,
        limit: int = MAX_PAGE_SIZE,
        offset: int = 0,
    ) -> Page[RunListItem]:
        """Org-wide runs, or one workflow's runs (``GET /v1/workflows/{id}/runs``) with ``workflow_id``."""
        path = f"/v1/workflows/{_seg(workflow_id)}/runs" if workflow_id else "/v1/runs"
        params = {"status": status, "limit": _check_limit(limit), "offset": offset}
        return self._model(Page[RunListItem], self._request("GET", path, params=params))

    def iter_runs(self, **filters: Any) -> Iterator[RunListItem]:
        return self._paginate(self.list_runs, filters)

    def get_run(self, run_id: str, *, summary: bool = False, node_ids: list[str] | None = None) -> Run:
        params = {"summary": True if summary else None, "nodeIds": node_ids}
        return self._model(Run, self._request("GET", f"/v1/runs/{_seg(run_id)}", params=params))

    def cancel_run(self, run_id: str) -> Run:
        return self._run_or_fetch(
            run_id, self._request("POST", f"/v1/runs/{_seg(run_id)}/cancel", safe=False)
        )

    def retry_run(self, run_id: str) -> Run:
        """Re-execute a failed (or cancelled) run; the answer is the new run (b3os-api.md §9 G4)."""
        data = self._request("POST", f"/v1/runs/{_seg(run_id)}/retry", safe=False)
        if isinstance(data, dict) and "id" not in data and isinstance(data.get("runId"), str):
            return self.get_run(data["runId"])
        return self._run_or_fetch(run_id, data)

    def resume_node(
        self, run_id: str, node_id: str, *, secret: str, data: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Resume a ``wait`` node; ``secret`` is the workflow's trigger secret (kept out of errors)."""
        body = {"data": dict(data)} if data is not None else {}
        result = self._request(
            "POST",
            f"/v1/runs/{_seg(run_id)}/nodes/{_seg(node_id)}/resume",
            params={"secret": secret},
            json=body,
            safe=False,
            secrets=(secret,),
        )
        return result if isinstance(result, dict) else {}

    def _run_or_fetch(self, run_id: str, data: Any) -> Run:
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            return Run.model_validate(data)
        return self.get_run(run_id)

    # -- streaming -----------------------------------------------------------------------------

    def stream_run(self, run_id: str) -> Iterator[RunEvent]:
        """Events of one run, ending after the terminal event or when the server closes the stream."""
        stream = self._open_stream(run_id)
        with stream as response:
            yield from iter_run_events(stream.lines(response))

    def _open_stream(self, run_id: str) -> _Stream:
        return _Stream(self, f"/v1/runs/{_seg(run_id)}/stream")

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
        """Pick a run id, subscribe, start the run, yield its events, then a final
        ``RunEvent(type="run_final")`` whose ``data`` is ``GET /v1/runs/{id}`` — polled until terminal
        (bounded by ``wait_timeout``) if the stream ended early."""
        run_id = new_run_id()
        stream = self._open_stream(run_id)
        with stream as response:  # subscribe first: run_started must not be missed
            self.run_workflow(id, payload=payload, run_id=run_id, version=version, simulate=simulate)
            try:
                yield from iter_run_events(stream.lines(response))
            except TransportError:
                pass  # a broken stream is not a failed run: the GET below tells the truth
        run = self.get_run(run_id)
        deadline = self._clock() + wait_timeout
        while run.status not in RUN_TERMINAL_STATUSES and self._clock() < deadline:
            self._sleep(poll_interval)
            run = self.get_run(run_id)
        yield RunEvent(
            type="run_final",
            run_id=run.id,
            status=run.status,
            data=run.model_dump(by_alias=True, exclude_none=True, mode="json"),
        )

    # -- pagination ----------------------------------------------------------------------------

    def _paginate(self, fetch: Callable[..., Page[Any]], filters: dict[str, Any]) -> Iterator[Any]:
        filters = dict(filters)
        limit = _check_limit(filters.pop("limit", MAX_PAGE_SIZE))
        offset = filters.pop("offset", 0)
        while True:
            page = fetch(**filters, limit=limit, offset=offset)
            yield from page.items
            if not page.has_more or not page.items:
                return  # an empty page with hasMore=true would otherwise loop forever
            offset += len(page.items)


class _Stream:
    """Context manager for an SSE response; the *open* goes through the client's retry loop."""

    def __init__(self, client: Client, path: str) -> None:
        self._client = client
        self._path = path
        self._cm: AbstractContextManager[httpx.Response] | None = None

    def __enter__(self) -> httpx.Response:
        client = self._client
        timeout = httpx.Timeout(client.timeout, read=max(client.timeout, _STREAM_READ_TIMEOUT))

        def send() -> httpx.Response:
            cm = client._http.stream(
                "GET", self._path, headers={"Accept": "text/event-stream"}, timeout=timeout
            )
            response = cm.__enter__()
            if response.is_success:
                self._cm = cm
            else:
                try:
                    response.read()
                finally:
                    cm.__exit__(None, None, None)
            return response

        response = client._send("GET", self._path, send, safe=True)
        assert response is not None  # no ok_on_retry_code given
        return response

    def __exit__(self, *exc_info: Any) -> None:
        if self._cm is not None:
            cm, self._cm = self._cm, None
            cm.__exit__(None, None, None)

    def lines(self, response: httpx.Response) -> Iterator[str]:
        """The body's lines; a connection broken mid-stream becomes TransportError."""
        try:
            yield from response.iter_lines()
        except httpx.HTTPError as exc:
            raise _http.translate_transport_error(
                exc, method="GET", path=self._path, secrets=(self._client._api_key,)
            ) from exc
