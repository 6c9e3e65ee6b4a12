"""Issue 13's co-ownership scenario with the real Pulumi CLI: one owner per workflow.

`b3os apply wfs/` (a CLI directory owns 10 workflows), then a Pulumi project with
`WorkflowFolder("team", "wfs")` on two stacks. Nothing is shared silently: each preview names the
owner; an explicit adopt moves ownership; a destroy never archives what another owner manages.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from b3os.cli import main as b3os_main
from b3os.workflow.owner import owner_of
from tests.pulumi.harness import PulumiProject
from tests.support import with_message

pytestmark = pytest.mark.pulumi

PROGRAM = """\
import pulumi
import pulumi_b3os as b3os

adopt = pulumi.Config().get_bool("adopt") or False
folder = b3os.WorkflowFolder("team", {wfs!r}, adopt=adopt)
pulumi.export("ids", folder.ids)
"""


def _cli(project: PulumiProject, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("B3OS_API_KEY", project.api_key)
    return b3os_main(["--api-url", project.server.url, *args])


def _owners(project: PulumiProject) -> dict[str, tuple[str | None, str]]:
    with project.client() as client:
        return {
            w.id: (owner_of(client.get_workflow(w.id).model_dump(by_alias=True)), str(w.status))
            for w in client.iter_workflows()
        }


def test_two_stacks_and_a_cli_directory_never_share_a_workflow_silently(
    project: PulumiProject,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wfs = tmp_path / "wfs"
    wfs.mkdir()
    for i in range(10):
        doc = {"name": f"team wf {i:02d}", "description": "d", "definition": with_message(f"m {i}")}
        (wfs / f"wf-{i:02d}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    assert _cli(project, monkeypatch, "apply", str(wfs)) == 0
    cli_owner = json.loads((wfs / "b3os.lock.json").read_text())["owner"]
    before = _owners(project)
    assert len(before) == 10 and {o for o, _ in before.values()} == {cli_owner}

    (project.dir / "__main__.py").write_text(PROGRAM.format(wfs=str(wfs)))
    dev = "pulumi:b3os-test/test"

    # Stack 1 without adopt: the preview refuses, naming the CLI directory that owns them.
    refused = project.preview(check=False)
    assert refused.returncode != 0
    assert cli_owner in refused.output and "adopt" in refused.output
    # An explicit adopt takes them over (same ids, no new workflow).
    project.run("config", "set", "adopt", "true")
    project.up()
    after = _owners(project)
    assert set(after) == set(before) and {o for o, _ in after.values()} == {dev}
    assert project.preview("--expect-no-changes").returncode == 0

    # The CLI directory lost them: its plan is a conflict naming the stack, nothing written.
    capsys.readouterr()
    assert _cli(project, monkeypatch, "plan", str(wfs)) == 1
    assert "b3os-test/test" in capsys.readouterr().err

    # Stack 2 on the same project: its preview names stack 1 as the owner.
    project.run("stack", "init", "dev2")
    project.run("config", "set", "b3os:apiUrl", project.server.url)
    project.run("config", "set", "--secret", "b3os:apiKey", project.api_key)
    second = project.preview(check=False)
    assert second.returncode != 0 and dev in second.output
    assert _owners(project) == after  # a preview writes nothing

    # Stack 2 adopts explicitly; destroying stack 1 then archives nothing stack 2 manages.
    project.run("config", "set", "adopt", "true")
    project.up()
    dev2 = "pulumi:b3os-test/dev2"
    assert {o for o, _ in _owners(project).values()} == {dev2}
    project.run("stack", "select", "test")
    destroyed = project.destroy(check=False)
    assert destroyed.returncode != 0 and dev2 in destroyed.output
    final = _owners(project)
    assert set(final) == set(before)
    assert {status for _, status in final.values()} == {"active"}, (
        "nothing another owner manages was archived"
    )


@pytest.mark.parametrize("count", [12, pytest.param(200, marks=pytest.mark.slow)])
def test_export_as_a_pulumi_program_adopts_everything_and_then_has_no_changes(
    project: PulumiProject, tmp_path: Path, count: int
) -> None:
    from b3os.resource.export import describe, export, select
    from tests.reliability.test_export import make_fleet

    with project.client() as client:
        make_fleet(client, count)
        before = {w.id for w in client.iter_workflows()} | {
            w.id for w in client.iter_workflows(status="archived")
        }
        out = tmp_path / "exported"
        export(client, out, describe(select(client)), "pulumi")
    shutil.copy(out / "__main__.py", project.dir / "__main__.py")
    shutil.copytree(out / "definitions", project.dir / "definitions")
    assert "adopt_id=" in (project.dir / "__main__.py").read_text()

    since = project.mark()
    first = project.preview()
    # every workflow (+ the stack itself) is a create with adopt_id: an adopt
    assert f"{count + 1} to create" in first.output and "to update" not in first.output, first.output
    assert project.calls(since).writes == 0
    project.up()
    with project.client() as client:
        after = {w.id for w in client.iter_workflows()} | {
            w.id for w in client.iter_workflows(status="archived")
        }
    assert after == before  # adopted, none created
    since = project.mark()
    project.preview("--expect-no-changes")
    project.up("--expect-no-changes")
    assert project.calls(since).writes == 0
