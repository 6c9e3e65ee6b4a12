"""examples/aws-alongside: the playbook against moto (server mode) and b3os-local, run twice.

The first run builds everything; the second, and a --check --diff run after it, must report
changed=0 and make no B3OS write and no SSM write. The results are checked where the consumers read them: SQS, SSM (decrypted), B3OS,
and the webhook URL itself, which must start a run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from b3os.client import Client
from b3os.local import LocalServer
from b3os.runs import summarize_run
from tests.support import Calls

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "aws-alongside"
PLAYBOOK = EXAMPLE / "site.yml"
QUEUE_NAME = "orders-events"
WORKFLOW_NAME = "orders intake"
SSM_ID = "/orders/b3os/workflow-id"
SSM_WEBHOOK = "/orders/b3os/webhook-url"
TERMINAL = {"success", "partial", "failure", "cancelled"}

pytestmark = [pytest.mark.e2e, pytest.mark.ansible, pytest.mark.slow]


def wait_for_run(client: Client, run_id: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        run = client.get_run(run_id)
        if run.status in TERMINAL:
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} still {run.status!r} after {timeout}s")
        time.sleep(0.2)


def test_playbook_provisions_aws_and_b3os_idempotently(
    moto: Any,
    local_b3os: LocalServer,
    aws_collections_path: Path,
    b3os_collection_path: Path,
    run_playbook: Callable[..., Any],
) -> None:
    # The environment's one manual step: the API key is stored in Secrets Manager.
    moto.client("secretsmanager").create_secret(Name="b3os/api-key", SecretString=local_b3os.api_key)
    env = {
        **moto.env(),
        "B3OS_API_URL": local_b3os.url,  # no B3OS_API_KEY: the key must come from Secrets Manager
        "ANSIBLE_COLLECTIONS_PATH": f"{b3os_collection_path}:{aws_collections_path}",
    }

    first = run_playbook(PLAYBOOK, env, "-vvv")
    assert first.returncode == 0, first.output[-6000:]
    assert first.recap()["changed"] >= 4, first.recap()  # queue, workflow, two parameters

    local_b3os.clear_requests()
    second = run_playbook(PLAYBOOK, env, "-vvv")
    assert second.returncode == 0, second.output[-6000:]
    assert second.recap()["changed"] == 0, second.stdout[-6000:]
    assert second.recap()["failed"] == 0
    assert Calls.of(local_b3os.requests()).writes == 0, local_b3os.requests()

    # Check mode with diffs on the provisioned environment: no drift, nothing written.
    check = run_playbook(PLAYBOOK, env, "-vvv", "--check", "--diff")
    assert check.returncode == 0, check.output[-6000:]
    assert check.recap()["changed"] == 0, check.stdout[-6000:]
    assert Calls.of(local_b3os.requests()).writes == 0

    sqs, ssm = moto.client("sqs"), moto.client("ssm")

    # AWS: exactly one queue, with the playbook's settings.
    queue_urls = sqs.list_queues().get("QueueUrls", [])
    assert [url.rsplit("/", 1)[-1] for url in queue_urls] == [QUEUE_NAME]
    attrs = sqs.get_queue_attributes(QueueUrl=queue_urls[0], AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "60"
    queue_arn = attrs["QueueArn"]

    # SSM: the id as a String, the webhook URL as a SecureString; neither rewritten by run two.
    id_param = ssm.get_parameter(Name=SSM_ID, WithDecryption=True)["Parameter"]
    hook_param = ssm.get_parameter(Name=SSM_WEBHOOK, WithDecryption=True)["Parameter"]
    assert id_param["Type"] == "String"
    assert hook_param["Type"] == "SecureString"
    assert (id_param["Version"], hook_param["Version"]) == (1, 1)
    assert ssm.get_parameter(Name=SSM_WEBHOOK)["Parameter"]["Value"] != hook_param["Value"]  # encrypted

    with Client(base_url=local_b3os.url, api_key=local_b3os.api_key) as client:
        # B3OS: exactly one workflow, the one SSM names, published, naming the queue.
        # (listings hide archived rows unless asked for them)
        workflows = [*client.iter_workflows(), *client.iter_workflows(status="archived")]
        assert [w.id for w in workflows] == [id_param["Value"]]
        workflow = client.get_workflow(id_param["Value"])
        assert workflow.name == WORKFLOW_NAME
        assert workflow.status == "active"
        live = client.get_live(workflow.id).definition
        assert live is not None
        assert queue_arn in live.nodes["log_order"].payload["message"]

        # The webhook URL is the workflow's own, and POSTing to it starts a run of the live version.
        secret = workflow.trigger_secret
        assert secret
        assert hook_param["Value"] == f"{local_b3os.url}/v1/webhooks/{secret}"
        response = httpx.post(hook_param["Value"], json={"orderId": "A-1001"}, timeout=10)
        assert response.status_code == 200, response.text
        run = wait_for_run(client, response.json()["data"]["runId"])
        summary = summarize_run(run)
        assert summary.succeeded, summary.as_dict()
        assert f"Order A-1001 received for {queue_arn}" in summary.logs

    # Secrets: neither the API key nor the trigger secret is printed, even at -vvv.
    for result in (first, second, check):
        assert local_b3os.api_key not in result.output
        assert secret not in result.output
    assert "censored" in first.stdout  # the secret-bearing tasks ran with no_log

    # Drift: someone overwrote the webhook parameter. Check mode reports it (one change) without
    # repairing it, and without printing either value.
    tampered = f"{local_b3os.url}/v1/webhooks/not-the-secret"
    ssm.put_parameter(Name=SSM_WEBHOOK, Value=tampered, Type="SecureString", Overwrite=True)
    drift = run_playbook(PLAYBOOK, env, "-vvv", "--check", "--diff")
    assert drift.returncode == 0, drift.output[-6000:]
    assert drift.recap()["changed"] == 1, drift.stdout[-6000:]
    assert ssm.get_parameter(Name=SSM_WEBHOOK, WithDecryption=True)["Parameter"]["Value"] == tampered
    assert secret not in drift.output
    assert local_b3os.api_key not in drift.output
