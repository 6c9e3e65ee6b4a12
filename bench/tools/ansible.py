"""The Ansible tools: the b3os.b3os.workflow module in a loop, the bulk b3os.b3os.workflows
module (one task, a ``src:`` directory of the files ``b3os apply`` reads), and naive ``uri`` tasks.

All run ``ansible-playbook`` on the implicit localhost (connection local, the interpreter that
runs ansible: the venv that has b3os-iac), one task per workflow in a ``loop``, as users write
it. Definitions are read from one JSON file per workflow (``definition_file``) so that B3OS's
``{{ … }}`` expressions never meet Jinja2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.fleet import Fleet
from bench.tools.base import DEFAULT_STEPS, Context

ROOT = Path(__file__).resolve().parent.parent.parent
COLLECTION = ROOT / "ansible_collection"

COLLECTION_PLAY = """\
- name: B3OS workflows
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Workflow
      b3os.b3os.workflow:
        name: "{{ item.name }}"
        description: "{{ item.description }}"
        state: "{{ item.state }}"
        definition_file: "{{ item.definition_file }}"
      loop: "{{ workflows }}"
      loop_control:
        label: "{{ item.name }}"
"""

# The bulk module: one task for the whole fleet, from the same directory of YAML files as
# `b3os apply DIR` (written by bench.tools.cli.write_dir).
BULK_PLAY = """\
- name: B3OS workflows in bulk
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Workflows
      b3os.b3os.workflows:
        src: "{{ src }}"
"""

# What users write without the collection: create, then publish what was created. Re-running it
# creates duplicates; it has no notion of change, pause or archive.
NAIVE_PLAY = """\
- name: B3OS workflows with uri
  hosts: localhost
  gather_facts: false
  vars:
    api: "{{ lookup('ansible.builtin.env', 'B3OS_API_URL') }}"
    auth: "Bearer {{ lookup('ansible.builtin.env', 'B3OS_API_KEY') }}"
  tasks:
    - name: Create
      ansible.builtin.uri:
        url: "{{ api }}/v1/workflows"
        method: POST
        headers:
          Authorization: "{{ auth }}"
        body_format: json
        body:
          name: "{{ item.name }}"
          description: "{{ item.description }}"
          definition: "{{ lookup('ansible.builtin.file', item.definition_file) | from_json }}"
      loop: "{{ workflows }}"
      loop_control:
        label: "{{ item.name }}"
      register: created
    - name: Publish
      ansible.builtin.uri:
        url: "{{ api }}/v1/workflows/{{ item.json.data.id }}/publish"
        method: POST
        headers:
          Authorization: "{{ auth }}"
      loop: "{{ created.results }}"
      loop_control:
        label: "{{ item.item.name }}"
"""

# Per-task overhead: the same loop of no-op tasks, the module vs a plain GET.
OVERHEAD_MODULE_PLAY = COLLECTION_PLAY
OVERHEAD_URI_PLAY = """\
- name: One GET per workflow
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Get
      ansible.builtin.uri:
        url: "{{ lookup('ansible.builtin.env', 'B3OS_API_URL') }}/v1/workflows/{{ item.id }}"
        headers:
          Authorization: "Bearer {{ lookup('ansible.builtin.env', 'B3OS_API_KEY') }}"
      loop: "{{ workflows }}"
      loop_control:
        label: "{{ item.name }}"
"""


def collections_dir(workdir: Path) -> Path:
    """A collections root holding ansible_collections/b3os/b3os → the checkout's collection."""
    root = workdir / "collections"
    link = root / "ansible_collections" / "b3os" / "b3os"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(COLLECTION, target_is_directory=True)
    return root


def ansible_env(workdir: Path, env: dict[str, str]) -> dict[str, str]:
    out = dict(env)
    out.update(
        ANSIBLE_COLLECTIONS_PATH=str(collections_dir(workdir)),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_LOCAL_TEMP=str(workdir / "ansible-tmp"),
        ANSIBLE_HOME=str(workdir / "ansible-home"),
    )
    # The implicit localhost runs modules with ansible_playbook_python (the venv): no override.
    out.pop("ANSIBLE_PYTHON_INTERPRETER", None)
    return out


def write_vars(workdir: Path, fleet: Fleet, extra: list[dict[str, Any]] | None = None) -> Path:
    """vars.json listing the workflows; definitions in their own files (no Jinja2 on them)."""
    defs = workdir / "definitions"
    defs.mkdir(exist_ok=True)
    items = []
    for i, wf in enumerate(fleet.workflows):
        path = defs / f"{wf.name}.json"
        text = json.dumps(wf.definition)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        item = {
            "name": wf.name,
            "description": wf.description,
            "state": wf.state,
            "definition_file": str(path),
        }
        if extra:
            item.update(extra[i])
        items.append(item)
    target = workdir / "vars.json"
    target.write_text(json.dumps({"workflows": items}), encoding="utf-8")
    return target


class _Playbook:
    play = ""
    ours = True

    def __init__(self, playbook_bin: str) -> None:
        self.playbook_bin = playbook_bin

    def unavailable(self) -> str | None:
        if not Path(self.playbook_bin).exists():
            return f"{self.playbook_bin} not found (ansible-core is not installed in the venv)"
        return None

    def setup(self, ctx: Context) -> None:
        (ctx.workdir / "play.yml").write_text(self.play, encoding="utf-8")
        ctx.env.update(ansible_env(ctx.workdir, ctx.env))

    def command(self, ctx: Context, step: str, fleet: Fleet) -> list[str]:
        variables = write_vars(ctx.workdir, fleet)
        return [self.playbook_bin, str(ctx.workdir / "play.yml"), "-e", f"@{variables}"]

    def teardown(self, ctx: Context) -> None:
        pass


class AnsibleCollection(_Playbook):
    name = "ansible"
    title = "Ansible `b3os.b3os.workflow` (loop)"
    steps = DEFAULT_STEPS
    play = COLLECTION_PLAY

    def unavailable(self) -> str | None:
        if not (COLLECTION / "plugins" / "modules" / "workflow.py").exists():
            return "the b3os.b3os collection has not landed"
        return super().unavailable()


class AnsibleBulk(_Playbook):
    name = "ansible_bulk"
    title = "Ansible `b3os.b3os.workflows` (bulk, `src:` dir)"
    steps = DEFAULT_STEPS
    play = BULK_PLAY

    def unavailable(self) -> str | None:
        if not (COLLECTION / "plugins" / "modules" / "workflows.py").exists():
            return "the b3os.b3os.workflows module has not landed"
        return super().unavailable()

    def setup(self, ctx: Context) -> None:
        from bench.tools.cli import reset_dir

        reset_dir(ctx.workdir / "workflows")
        super().setup(ctx)

    def command(self, ctx: Context, step: str, fleet: Fleet) -> list[str]:
        from bench.tools.cli import write_dir

        directory = write_dir(ctx.workdir / "workflows", fleet)
        extra = json.dumps({"src": str(directory)})  # JSON: the path may hold spaces
        return [self.playbook_bin, str(ctx.workdir / "play.yml"), "-e", extra]


class AnsibleUri(_Playbook):
    name = "ansible_uri"
    title = "naive `ansible.builtin.uri` playbook"
    # The naive playbook only knows how to create; its "no-op" re-run shows what it does instead.
    steps: tuple[tuple[str, str], ...] = (("create", "create"), ("noop", "noop"))
    ours = False
    play = NAIVE_PLAY

    def unavailable(self) -> str | None:
        return super().unavailable()


def playbook_path(venv_bin: Path) -> str:
    return str(venv_bin / "ansible-playbook")


__all__ = [
    "OVERHEAD_MODULE_PLAY",
    "OVERHEAD_URI_PLAY",
    "AnsibleBulk",
    "AnsibleCollection",
    "AnsibleUri",
    "ansible_env",
    "collections_dir",
    "playbook_path",
    "write_vars",
]
