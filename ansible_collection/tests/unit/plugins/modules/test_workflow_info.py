# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

"""workflow_info: one by name (found or not), a filtered list, secrets masked, never changed."""

from __future__ import annotations

import pytest
from b3os.models import WorkflowListItem

from ansible_collections.b3os.b3os.plugins.modules import workflow_info


class FakeClient:
    def __init__(self, rows):
        self.rows = rows
        self.filters = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def iter_workflows(self, **filters):
        self.filters = filters
        return iter(self.rows)


@pytest.fixture
def client(monkeypatch):
    fake = FakeClient(
        [WorkflowListItem(id="wf_1", name="a", status="paused", triggerSecret="whsec_list_secret_value")]
    )
    monkeypatch.setattr(workflow_info, "make_client", lambda module: fake)
    return fake


def test_missing_workflow_is_not_an_error(run_module, client, monkeypatch):
    monkeypatch.setattr(workflow_info, "read", lambda c, spec: None)
    result = run_module(workflow_info, dict(name="nope"), check=True)
    assert result["changed"] is False
    assert result["exists"] is False and result["workflows"] == []


def test_list_passes_filters_and_masks_secrets(run_module, client):
    result = run_module(workflow_info, dict(status="paused", query="a"))
    out = run_module.stdout
    assert client.filters == {"status": "paused", "q": "a"}
    assert result["changed"] is False
    assert [w["id"] for w in result["workflows"]] == ["wf_1"]
    assert "whsec_list_secret_value" not in out
