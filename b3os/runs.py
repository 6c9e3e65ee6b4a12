"""What a finished run says, condensed for people: status, per-node results and log messages.

Shared by ``b3os run``/``b3os runs get``, the Ansible ``workflow_run`` module and the demo, so
that they all report a run the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from b3os.models import Run, RunEvent

__all__ = ["NodeOutcome", "RunSummary", "describe_event", "summarize_run"]

SUCCESS_STATUSES = frozenset({"success"})


@dataclass(frozen=True)
class NodeOutcome:
    node_id: str
    type: str | None
    status: str | None
    result: Any = None
    error: str | None = None


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    workflow_id: str | None
    status: str | None
    nodes: list[NodeOutcome] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    reason: str | None = None  # the run's own summary text (e.g. why it ended without a node failing)

    @property
    def succeeded(self) -> bool:
        return self.status in SUCCESS_STATUSES

    @property
    def failed_nodes(self) -> list[NodeOutcome]:
        return [n for n in self.nodes if n.status == "failure"]

    @property
    def error(self) -> str | None:
        """The first failing node's error, as one line; else, for a run that did not succeed, its
        reason (a run can fail with no failed node: cancelled, or interrupted by a server restart)."""
        for node in self.failed_nodes:
            return f"node {node.node_id!r} ({node.type}) failed: {node.error or 'no error message'}"
        if not self.succeeded and self.status not in (None, "running", "waiting") and self.reason:
            return f"run {self.status}: {self.reason}"
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "workflow_id": self.workflow_id,
            "status": self.status,
            "succeeded": self.succeeded,
            "error": self.error,
            "logs": list(self.logs),
            "nodes": {
                n.node_id: {"type": n.type, "status": n.status, "result": n.result, "error": n.error}
                for n in self.nodes
            },
        }


def _error_of(result: Any) -> str | None:
    if isinstance(result, dict):
        error = result.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error)
        return str(error) if error is not None else None
    return None


def summarize_run(run: Run | dict[str, Any]) -> RunSummary:
    """Condense ``GET /v1/runs/{id}`` (a model or its wire dict) in execution-state order."""
    model = run if isinstance(run, Run) else Run.model_validate(run)
    nodes: list[NodeOutcome] = []
    logs: list[str] = []
    for node_id, record in (model.execution_state or {}).items():
        result = record.result
        nodes.append(NodeOutcome(node_id, record.type, record.status, result, _error_of(result)))
        if record.type == "log" and isinstance(result, dict) and isinstance(result.get("message"), str):
            logs.append(result["message"])
    return RunSummary(model.id, model.workflow_id, model.status, nodes, logs, model.summary or None)


def describe_event(event: RunEvent) -> str:
    """One line for a stream event, e.g. ``node_completed log_message: Incoming message: hi``."""
    data = event.data
    text = event.type
    if event.node_id:
        text += f" {event.node_id}"
        node_type = data.get("nodeType")
        if node_type:
            text += f" ({node_type})"
    result = data.get("result")
    if isinstance(result, dict) and isinstance(result.get("message"), str):
        text += f": {result['message']}"
    error = data.get("error") or _error_of(result)
    if error:
        text += f": {error}"
    if event.status and event.type.startswith("run_"):
        text += f" [{event.status}]"
    return text
