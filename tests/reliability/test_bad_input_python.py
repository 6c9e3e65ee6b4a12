"""Bad input through the Python API (what Pulumi and Ansible build on): every case raises a
``b3os.errors`` type with a message naming what is wrong, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from b3os.client import Client, RetryPolicy
from b3os.errors import (
    AuthenticationError,
    B3OSError,
    BadRequestError,
    ConfigError,
    DefinitionError,
    NotFoundError,
    ServerError,
)
from b3os.local import LocalServer
from b3os.workflow import WorkflowSpec, ensure
from tests.reliability import figures
from tests.reliability.helpers import DEFINITION, TruncatingProxy, definition, html_502_proxy, writes
from tests.support import is_write

FAST_RETRY = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.05, max_elapsed=5.0)


def with_children(*children: str) -> dict[str, Any]:
    doc = definition()
    doc["nodes"]["log_message"]["children"] = list(children)
    return doc


Call = Callable[[LocalServer, Client], Any]

CASES: list[tuple[str, Call, type[Exception], list[str]]] = [
    ("http:// to a remote host", lambda s, c: Client(base_url="http://api.b3os.org", api_key="k"), ConfigError, ["refusing plain http://"]),
    ("URL with a query string", lambda s, c: Client(base_url="https://api.b3os.org/?x=1", api_key="k"), ConfigError, ["query string"]),
    ("missing key", lambda s, c: Client(base_url=s.url, api_key=""), ConfigError, ["no B3OS API key"]),
    ("key with a line break", lambda s, c: Client(base_url=s.url, api_key="b3sk_a\nb"), ConfigError, ["line break"]),
    ("wrong key", lambda s, c: ensure(Client(base_url=s.url, api_key="b3sk_wrong_0000"), WorkflowSpec.build(name="x", definition=DEFINITION)), AuthenticationError, ["401", "invalid API key"]),
    ("no identity", lambda s, c: WorkflowSpec.build(definition=DEFINITION), ConfigError, ["needs an identity"]),
    ("name not a string", lambda s, c: WorkflowSpec.build(name=42, definition=DEFINITION), ConfigError, ["name must be a non-empty string"]),  # type: ignore[arg-type]
    ("300-character name", lambda s, c: WorkflowSpec.build(name="n" * 300, definition=DEFINITION), ConfigError, ["300 characters"]),
    ("unknown state", lambda s, c: WorkflowSpec.build(name="x", definition=DEFINITION, state="deleted"), ConfigError, ["state 'deleted' is not valid"]),
    ("cycle", lambda s, c: WorkflowSpec.build(name="x", definition=with_children("root")), DefinitionError, ["closes a cycle"]),
    ("dangling child", lambda s, c: WorkflowSpec.build(name="x", definition=with_children("ghost")), DefinitionError, ["unknown node 'ghost'"]),
    ("definition text that is not JSON", lambda s, c: WorkflowSpec.build(name="x", definition="{nodes: ["), ConfigError, ["definition: <text>: invalid JSON"]),
    ("5 MB definition", lambda s, c: WorkflowSpec.build(name="x", definition=definition("x" * 5_000_000)), ConfigError, ["at most 1,048,576"]),
    ("server-side rejection without local checks", lambda s, c: ensure(c, WorkflowSpec.build(name="x", definition=with_children("ghost"), validate=False)), DefinitionError, ["ghost"]),
    ("id of a missing workflow", lambda s, c: ensure(c, WorkflowSpec.build(id="wf_missing0000", definition=DEFINITION)), ConfigError, ["wf_missing0000 does not exist"]),
    ("invalid run id", lambda s, c: c.run_workflow(ensure(c, WorkflowSpec.build(name="runme", definition=DEFINITION)).outputs["id"], run_id="bad id"), BadRequestError, ["invalid run ID"]),
    ("unknown run", lambda s, c: c.get_run("run_nope"), NotFoundError, ["run_nope not found"]),
]  # fmt: skip


@pytest.mark.parametrize(("label", "call", "error", "phrases"), CASES, ids=[c[0] for c in CASES])
def test_python_api_bad_input_raises_a_clear_b3os_error_and_writes_nothing(
    label: str, call: Call, error: type[Exception], phrases: list[str], local: LocalServer, api: Client
) -> None:
    with pytest.raises(error) as info:
        call(local, api)
    assert isinstance(info.value, B3OSError), "front ends catch only B3OSError"
    text = str(info.value) + " ".join(i.message for i in getattr(info.value, "items", []))
    for phrase in phrases:
        assert phrase in text, text
    allowed = 2 if label == "invalid run id" else 0  # that case creates and publishes its workflow first
    done = [e for e in local.requests() if is_write(e) and e["status"] < 400]
    assert len(done) == allowed, local.requests()
    figures.add("bad_inputs")


def test_python_api_behind_an_html_502_proxy(local: LocalServer) -> None:
    with (
        html_502_proxy() as proxy,
        Client(base_url=proxy.url, api_key=local.api_key, retry=FAST_RETRY) as client,
    ):
        with pytest.raises(ServerError) as info:
            ensure(client, WorkflowSpec.build(name="x", definition=DEFINITION))
    assert "HTML error page" in str(info.value) and "<html" not in str(info.value).lower()
    # The name lookup's two listings (live, archived) run at once: each retried, then bounded.
    assert proxy.hits == 2 * FAST_RETRY.max_attempts, "retried, then bounded"
    assert writes(local) == 0
    figures.add("bad_inputs")


def test_python_api_truncated_event_stream_still_confirms_the_end_state(
    local: LocalServer, api: Client
) -> None:
    wf_id = ensure(api, WorkflowSpec.build(name="streamed", definition=DEFINITION)).outputs["id"]
    with (
        TruncatingProxy(local.url, keep=150) as proxy,
        Client(base_url=proxy.url, api_key=local.api_key) as client,
    ):
        events = list(client.run_and_follow(wf_id, payload={"message": "hi"}))
    assert proxy.truncated == 1
    assert not any(e.type == "run_completed" for e in events), "the terminal event was cut off"
    assert events[-1].type == "run_final" and events[-1].status == "success"
    figures.add("bad_inputs")
