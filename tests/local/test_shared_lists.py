"""What b3os-local adds is exactly what b3os.normalize tells a diff to ignore (one list, no drift)."""

from __future__ import annotations

import httpx

from b3os.normalize import SERVER_ADDED_DEFINITION_FIELDS, SERVER_OWNED_WORKFLOW_FIELDS
from tests.local.helpers import LOG_DEFINITION, create, data

USER_FIELDS = {"name", "description", "definition", "cooldownMs", "maxRuns", "visibility"}


def test_every_added_workflow_field_is_server_owned(api: httpx.Client) -> None:
    wf = create(api)
    api.post(f"/v1/workflows/{wf['id']}/publish")
    rows = [wf, data(api.get(f"/v1/workflows/{wf['id']}"))]
    rows += data(api.get(f"/v1/workflows/{wf['id']}/versions"))["items"]
    for row in rows:
        assert set(row) - USER_FIELDS <= SERVER_OWNED_WORKFLOW_FIELDS, (
            set(row) - USER_FIELDS - SERVER_OWNED_WORKFLOW_FIELDS
        )


def test_definition_gains_only_the_listed_fields(api: httpx.Client) -> None:
    stored = create(api)["definition"]
    assert set(stored) - set(LOG_DEFINITION) <= SERVER_ADDED_DEFINITION_FIELDS
    assert {k: v for k, v in stored.items() if k in LOG_DEFINITION} == LOG_DEFINITION  # nodes untouched
