"""`live_version` as a Pulumi input: the live content goes back to version N's, newer versions stay,
a re-run is zero writes (real Pulumi CLI)."""

from __future__ import annotations

import pytest

from tests.pulumi.harness import PulumiProject
from tests.support import with_message

pytestmark = pytest.mark.pulumi


def test_live_version_pins_the_live_content_and_a_rerun_writes_nothing(project: PulumiProject) -> None:
    project.declare({"pinned": {"definition": with_message("v1 {{$trigger.body.message}}")}})
    project.up()
    project.declare({"pinned": {"definition": with_message("v2 {{$trigger.body.message}}")}})
    project.up()
    project.declare(
        {"pinned": {"definition": with_message("v2 {{$trigger.body.message}}"), "live_version": 1}}
    )
    preview = project.preview("--diff")
    assert "live_version" in preview.output and "1 to update" in preview.output, preview.output
    project.up()
    wf_id = project.outputs()["pinned.id"]
    with project.client() as client:
        live = client.get_live(wf_id).model_dump(by_alias=True)
        assert live["definition"]["nodes"]["log_message"]["payload"]["message"].startswith("v1")
        assert [v.version for v in client.list_versions(wf_id).items] == [3, 2, 1]  # nothing lost
    since = project.mark()
    project.preview("--expect-no-changes")
    project.up("--expect-no-changes")
    assert project.calls(since).writes == 0
