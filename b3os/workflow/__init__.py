"""The Workflow resource: one read → plan → apply engine that every front end maps onto.

``read(client, spec)`` finds the actual workflow, ``plan(spec, state)`` (pure) computes the
ordered API actions and a managed-key diff, ``apply(client, plan)`` executes them with
optimistic locking; ``ensure`` does all three. Pulumi's check/diff/create/update/read/delete,
Ansible's check and diff modes and ``b3os plan/apply`` are thin mappings of these.
"""

from b3os.workflow.apply import (
    ApplyResult,
    apply,
    ensure,
    validate_on_server,
    validate_plans,
    validate_remotely,
)
from b3os.workflow.outputs import OUTPUT_KEYS, outputs_of, predicted_outputs, state_from_outputs
from b3os.workflow.plan import Action, ActionKind, Plan, WorkflowDiff, plan, public_state
from b3os.workflow.spec import DESIRED_STATES, DesiredState, WorkflowSpec
from b3os.workflow.state import Content, WorkflowState, read, read_many

__all__ = [
    "DESIRED_STATES",
    "OUTPUT_KEYS",
    "Action",
    "ActionKind",
    "ApplyResult",
    "Content",
    "DesiredState",
    "Plan",
    "WorkflowDiff",
    "WorkflowSpec",
    "WorkflowState",
    "apply",
    "ensure",
    "outputs_of",
    "plan",
    "predicted_outputs",
    "public_state",
    "read",
    "read_many",
    "state_from_outputs",
    "validate_on_server",
    "validate_plans",
    "validate_remotely",
]
