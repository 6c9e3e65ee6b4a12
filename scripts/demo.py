"""``make demo`` (repository tooling, not part of the installed package): the B3OS API quickstart, declaratively, against b3os-local.

Starts b3os-local on a free port, provisions the quickstart's workflow with the Pulumi provider
(``examples/pulumi-quickstart``) and with the Ansible collection (``examples/ansible-quickstart``),
runs the Pulumi one with ``{"message": "Hello from the API"}`` and streams its events live,
re-applies both to show that nothing changes (and counts the API writes: zero), then stops the
server. Everything happens in a temporary directory; nothing is left behind.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from b3os.client import Client
from b3os.local import LocalServer, is_write
from b3os.redact import redact_text
from b3os.runs import describe_event, summarize_run

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
PAYLOAD = {"message": "Hello from the API"}
PASSPHRASE = "b3os-iac demo"
ANSIBLE_WORKFLOW = "API quickstart logger (Ansible)"
PROVISION_TASK = "Provision the quickstart workflow"

console = Console(highlight=False, soft_wrap=True)


class DemoError(Exception):
    """A step failed; the message says which and how to see more."""


def step(number: int, text: str) -> None:
    console.print(f"\n[bold cyan]{number}. {text}[/]")


def _provisioning_writes(server: LocalServer, since: int) -> int:
    """Writes to workflows since a request-log position (starting runs is not provisioning)."""
    entries = server.requests(since=since)
    return sum(1 for e in entries if is_write(e) and not e["path"].endswith("/run"))


class Demo:
    def __init__(self, work: Path, server: LocalServer) -> None:
        self.work = work
        self.server = server
        self.secrets = [server.api_key]
        venv_bin = str(Path(sys.executable).parent)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "B3OS_API_"))},
            "PATH": os.pathsep.join([venv_bin, os.environ.get("PATH", "")]),
            "B3OS_API_URL": server.url,
            "B3OS_API_KEY": server.api_key,
            "PULUMI_HOME": str(work / "pulumi-home"),
            "PULUMI_BACKEND_URL": (work / "pulumi-state").as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_PYTHON_CMD": sys.executable,
            "ANSIBLE_COLLECTIONS_PATH": str(work / "collections"),
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_STDOUT_CALLBACK": "default",
        }

    def sh(self, args: Sequence[str], cwd: Path, *, show: bool = True, check: bool = True) -> str:
        """Run a command, echoing its output (secrets masked) as it arrives."""
        console.print(f"$ {shlex.join(args)}", style="dim", markup=False)
        proc = subprocess.Popen(
            list(args), cwd=cwd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            line = redact_text(line.rstrip("\n"), self.secrets)
            lines.append(line)
            if show:
                console.print(f"  {line}", markup=False)
        if proc.wait() != 0 and check:
            raise DemoError(f"`{shlex.join(args)}` failed with exit code {proc.returncode}")
        return "\n".join(lines)

    # -- Pulumi ----------------------------------------------------------------------------------

    def pulumi_project(self) -> Path:
        project = self.work / "pulumi-quickstart"
        shutil.copytree(
            EXAMPLES / "pulumi-quickstart", project, ignore=shutil.ignore_patterns("Pulumi.*.yaml")
        )
        # The example points at the repository's venv by a relative path; the copy needs it absolute.
        settings = project / "Pulumi.yaml"
        settings.write_text(
            settings.read_text().replace("virtualenv: ../../.venv", f"virtualenv: {sys.prefix}")
        )
        (self.work / "pulumi-state").mkdir()
        (self.work / "pulumi-home").mkdir()
        return project

    def pulumi(self, project: Path, *args: str, show: bool = True) -> str:
        pulumi = shutil.which("pulumi", path=self.env["PATH"])
        if pulumi is None:
            raise DemoError("the pulumi CLI is not on PATH: run `make demo` (it builds the CLI first)")
        return self.sh([pulumi, *args, "--non-interactive"], project, show=show)

    # -- Ansible ---------------------------------------------------------------------------------

    def install_collection(self) -> None:
        galaxy = str(Path(sys.executable).parent / "ansible-galaxy")
        self.sh(
            [
                galaxy,
                "collection",
                "install",
                "--force",
                str(REPO / "ansible_collection"),
                "-p",
                str(self.work / "collections"),
            ],
            REPO,
            show=False,
        )

    def playbook(self) -> str:
        playbook = str(Path(sys.executable).parent / "ansible-playbook")
        name = f"workflow_name={ANSIBLE_WORKFLOW}"
        return self.sh([playbook, "playbook.yml", "-e", name], EXAMPLES / "ansible-quickstart")


def _task_status(output: str, task: str) -> str:
    """``ok`` or ``changed``: how the named task ended in ansible-playbook's output."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"TASK [{task}"):
            for after in lines[i + 1 :]:
                if after.startswith(("ok:", "changed:", "failed:", "fatal:")):
                    return after.split(":")[0]
    raise DemoError(f"task {task!r} not found in the playbook output")


def run_demo(work: Path) -> None:
    step(1, "Starting b3os-local, the local B3OS API")
    with LocalServer(port=0, db=str(work / "b3os-local.db"), mode="subprocess") as server:
        console.print(f"  b3os-local is listening on {server.url} (API key in B3OS_API_KEY, never printed)")
        demo = Demo(work, server)

        step(2, "Provisioning the quickstart workflow with Pulumi (pulumi up)")
        project = demo.pulumi_project()
        demo.pulumi(project, "stack", "init", "demo", show=False)
        demo.pulumi(project, "up", "--yes", "--skip-preview")
        outputs = json.loads(demo.pulumi(project, "stack", "output", "--json", show=False))
        workflow_id = outputs["workflow_id"]
        console.print(f"  Pulumi created and published [bold]{workflow_id}[/]")

        step(
            3, "Provisioning the quickstart with Ansible (b3os.b3os.workflow), then running it (workflow_run)"
        )
        demo.install_collection()
        first = demo.playbook()
        console.print(f"  Ansible: provisioning task {_task_status(first, PROVISION_TASK)}")

        step(4, 'Running the Pulumi workflow with {"message": "Hello from the API"}, streaming its events')
        with Client(base_url=server.url, api_key=server.api_key) as client:
            for event in client.run_and_follow(workflow_id, payload=PAYLOAD, simulate=True):
                if event.type == "run_final":
                    summary = summarize_run(event.data)
                    color = "green" if summary.succeeded else "red"
                    console.print(f"  run {summary.run_id}: [bold {color}]{summary.status}[/]")
                    for message in summary.logs:
                        console.print(f"  logged: [bold]{message}[/]")
                    if not summary.succeeded:
                        raise DemoError(summary.error or "the run did not succeed")
                else:
                    console.print(f"  {describe_event(event)}", markup=False)

        step(5, "Re-applying both: nothing changes")
        mark = len(server.requests())
        demo.pulumi(project, "preview", "--expect-no-changes")
        demo.pulumi(project, "up", "--yes", "--skip-preview")
        second = demo.playbook()
        status = _task_status(second, PROVISION_TASK)
        writes = _provisioning_writes(server, mark)
        console.print(
            f"  re-apply: Pulumi no changes, Ansible provisioning task {status}, "
            f"API writes to workflows: {writes} (the playbook's run task starts a new run each time)"
        )
        if status != "ok" or writes:
            raise DemoError(f"the re-apply was not a no-op (ansible: {status}, writes: {writes})")

        step(6, "Where to look next")
        console.print(
            "  - README.md: the desired-state table, the CLI (`b3os plan/apply/run`), Pulumi and Ansible quickstarts\n"
            "  - examples/: cli-quickstart, pulumi-quickstart, pulumi-folder, ansible-quickstart, aws-alongside\n"
            "  - `.venv/bin/b3os local` keeps a b3os-local running; point B3OS_API_URL/B3OS_API_KEY at api.b3os.org for real\n"
            "  - `make test` runs the whole suite"
        )
        console.print("\n[bold green]Demo finished:[/] b3os-local stopped, temporary files removed.")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="b3os-demo-") as tmp:
        try:
            run_demo(Path(tmp))
        except DemoError as exc:
            console.print(f"\n[bold red]demo failed:[/] {exc}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
