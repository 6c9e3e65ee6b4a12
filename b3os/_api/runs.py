"""``client.runs``: start, list, get, cancel, retry, resume, stream (b3os-api.md §5.3, §5.4, §8.3)."""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping
from typing import Any

from b3os import _http
from b3os._sse import iter_frames, iter_run_events, run_event_from_frame
from b3os._transport import MAX_PAGE_SIZE, Transport, check_limit, drop_none, seg
from b3os._wire import new_run_id
from b3os.errors import TransportError
from b3os.models import RUN_TERMINAL_STATUSES, Page, Run, RunEvent, RunListItem, to_wire

__all__ = ["RunsAPI", "new_run_id"]


class RunsAPI:
    """Runs. Starting a run is retried with a client-chosen run id (a duplicate-run-id answer on a
    retry means an earlier attempt landed); cancel/retry/resume are never retried."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def start(
        self,
        workflow_id: str,
        *,
        payload: Mapping[str, Any] | None = None,
        run_id: str | None = None,
        version: int | None = None,
        simulate: bool | None = None,
    ) -> str:
        """Start a run and return its id. A client-chosen ``run_…`` id makes the POST safe to retry:
        a duplicate-run-id answer (400079) on a retry means an earlier attempt created it."""
        rid = run_id or new_run_id()
        body = drop_none(
            {
                "payload": dict(payload) if payload is not None else None,
                "runId": rid,
                "version": version,
                "simulate": simulate,
            }
        )
        data = self._t.request(
            "POST",
            f"/v1/workflows/{seg(workflow_id)}/run",
            json=body,
            safe=True,
            ok_on_retry_code=_http.CODE_DUPLICATE_RUN_ID,
        )
        if isinstance(data, dict) and isinstance(data.get("runId"), str):
            return str(data["runId"])
        return rid

    def list(
        self,
        *,
        workflow_id: str | None = None,
        status: str | None = None,
        limit: int = MAX_PAGE_SIZE,
        offset: int = 0,
    ) -> Page[RunListItem]:
        """Org-wide runs, or one workflow's runs (``GET /v1/workflows/{id}/runs``) with ``workflow_id``."""
        path = f"/v1/workflows/{seg(workflow_id)}/runs" if workflow_id else "/v1/runs"
        params = {"status": status, "limit": check_limit(limit), "offset": offset}
        return self._t.model(Page[RunListItem], self._t.request("GET", path, params=params))

    def iter(self, **filters: Any) -> Iterator[RunListItem]:
        return self._t.paginate(self.list, filters)

    def get(self, run_id: str, *, summary: bool = False, node_ids: builtins.list[str] | None = None) -> Run:
        params = {"summary": True if summary else None, "nodeIds": node_ids}
        return self._t.model(Run, self._t.request("GET", f"/v1/runs/{seg(run_id)}", params=params))

    def cancel(self, run_id: str) -> Run:
        return self._run_or_fetch(
            run_id, self._t.request("POST", f"/v1/runs/{seg(run_id)}/cancel", safe=False)
        )

    def retry(self, run_id: str) -> Run:
        """Re-execute a failed (or cancelled) run; the answer is the new run (b3os-api.md §9 G4)."""
        data = self._t.request("POST", f"/v1/runs/{seg(run_id)}/retry", safe=False)
        if isinstance(data, dict) and "id" not in data and isinstance(data.get("runId"), str):
            return self.get(data["runId"])
        return self._run_or_fetch(run_id, data)

    def resume_node(
        self, run_id: str, node_id: str, *, secret: str, data: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Resume a ``wait`` node; ``secret`` is the workflow's trigger secret (kept out of errors)."""
        body = {"data": dict(data)} if data is not None else {}
        result = self._t.request(
            "POST",
            f"/v1/runs/{seg(run_id)}/nodes/{seg(node_id)}/resume",
            params={"secret": secret},
            json=body,
            safe=False,
            secrets=(secret,),
        )
        return result if isinstance(result, dict) else {}

    def _run_or_fetch(self, run_id: str, data: Any) -> Run:
        run = self._t.maybe(Run, data)
        return run if run is not None else self.get(run_id)

    # -- streaming -----------------------------------------------------------------------------

    def stream(self, run_id: str) -> Iterator[RunEvent]:
        """Events of one run, ending after the terminal event or when the server closes the stream."""
        with self._t.stream(f"/v1/runs/{seg(run_id)}/stream") as lines:
            yield from iter_run_events(lines)

    def stream_workflow(self, workflow_id: str) -> Iterator[RunEvent]:
        """Events of every run of one workflow as they happen; the stream outlives any one run
        (it ends when the server closes it, or when the caller stops iterating)."""
        with self._t.stream(f"/v1/workflows/{seg(workflow_id)}/runs/stream") as lines:
            for frame in iter_frames(lines):
                yield run_event_from_frame(frame)

    def run_and_follow(
        self,
        workflow_id: str,
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
        with self._t.stream(f"/v1/runs/{seg(run_id)}/stream") as lines:  # subscribe first
            self.start(workflow_id, payload=payload, run_id=run_id, version=version, simulate=simulate)
            try:
                yield from iter_run_events(lines)
            except TransportError:
                pass  # a broken stream is not a failed run: the GET below tells the truth
        run = self.get(run_id)
        deadline = self._t.clock() + wait_timeout
        while run.status not in RUN_TERMINAL_STATUSES and self._t.clock() < deadline:
            self._t.sleep(poll_interval)
            run = self.get(run_id)
        yield RunEvent(type="run_final", run_id=run.id, status=run.status, data=to_wire(run))
