"""``b3os export``: the organization's workflows as code, adopted into the target's ownership.

One workflow → one declaration that plans to *no change* against the workflow as it is:

* ``state`` from the status: active → ``published``, ``paused``, ``archived``; a workflow that
  was never published → ``draft``. A draft on top of a live version is declared ``state: draft``
  with the draft's content (a desired ``published`` would discard or publish the draft: a
  change); the live version keeps running, and the file says so in a comment.
* the definition as the server has it, normalized (server-added keys dropped); strings — B3OS
  expressions included — are written unchanged (JSON or YAML quoting, never re-templated).
* ``id`` (the workflow is managed by id: an explicit adopt), and the optional fields that are set.
* never the trigger secret (it is not content and is not in any file).

Formats: ``yaml`` (one file per workflow, plus the directory's ``b3os.lock.json``; the
workflows get the directory's owner marker), ``pulumi`` (a Python program with ``adopt_id`` per
workflow and the definitions as JSON files: the first preview shows only adopts), ``ansible``
(a vars file and a playbook over ``b3os.b3os.workflow``; the workflows get the ``ansible``
owner marker so the first ``--check`` reports changed=0).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from b3os._pool import DEFAULT_PARALLELISM, pool_map
from b3os.client import Client
from b3os.errors import B3OSError, ConfigError
from b3os.normalize import normalize_definition
from b3os.resource.ownership import Record
from b3os.workflow import WorkflowSpec, WorkflowState, read
from b3os.workflow.owner import marked

__all__ = ["Exported", "FORMATS", "export", "select"]

FORMATS = ("yaml", "pulumi", "ansible")


@dataclass
class Exported:
    state: WorkflowState
    slug: str
    declared_state: str
    note: str | None
    doc: dict[str, Any]  # name, id, description, state, definition, optional fields


def select(
    client: Client,
    *,
    names: Sequence[str] = (),
    statuses: Sequence[str] = (),
    query: str | None = None,
    parallelism: int = DEFAULT_PARALLELISM,
) -> list[WorkflowState]:
    """The workflows to export: every status (archived too), narrowed by exact names, statuses
    (active, paused, draft, archived) and a server-side search; read ``parallelism`` at a time."""
    seen: dict[str, None] = {}
    for status in (None, "archived"):
        for item in client.iter_workflows(q=query, status=status):
            archived = item.status == "archived"
            if archived != (status == "archived"):
                continue
            if names and item.name not in names:
                continue
            seen.setdefault(item.id, None)

    def read_one(workflow_id: str) -> WorkflowState | None:
        return read(client, WorkflowSpec(id=workflow_id))

    states = [s for s in pool_map(read_one, list(seen), parallelism) if s is not None]
    if statuses:
        states = [s for s in states if s.status in statuses]
    return sorted(states, key=lambda s: ((s.latest.name or ""), s.id))


def _slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.").lower()[:80] or "workflow"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def describe(states: Iterable[WorkflowState]) -> list[Exported]:
    taken: set[str] = set()
    exported = []
    for state in states:
        note = None
        if state.status == "archived":
            declared, content = "archived", state.latest
        elif state.live is not None and state.has_draft:
            declared, content = "draft", state.latest
            note = (
                f"a draft (version {state.version}) sits on top of live version {state.live_version}, which keeps "
                "running: declared as the draft. Set state: published to publish it"
            )
        elif state.live is not None:
            declared, content = ("paused" if state.status == "paused" else "published"), state.live
        else:
            declared, content = "draft", state.latest
        doc: dict[str, Any] = {"name": content.name, "id": state.id, "description": content.description or ""}
        doc["state"] = declared
        if content.cooldown_ms:
            doc["cooldown_ms"] = content.cooldown_ms
        if content.max_runs:
            doc["max_runs"] = content.max_runs
        if state.visibility not in (None, "private"):
            doc["visibility"] = state.visibility
        doc["definition"] = normalize_definition(content.definition) if content.definition else {"nodes": {}}
        exported.append(Exported(state, _slug(content.name or state.id, taken), declared, note, doc))
    return exported


def _mark(client: Client, items: Sequence[Exported], owner: str, parallelism: int) -> int:
    """Give the exported workflows ``owner`` (archived ones are left alone: nothing manages them)."""
    todo = [i.state for i in items if i.state.status != "archived" and i.state.owner != owner]

    def mark(state: WorkflowState) -> None:
        client.set_ui_metadata(
            state.id, marked(state.wire.get("uiMetadata"), owner), expected_current_version=state.version
        )

    pool_map(mark, todo, parallelism)
    return len(todo)


def _dump_yaml(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=10**9)


def export(
    client: Client,
    directory: Path,
    items: Sequence[Exported],
    fmt: str,
    *,
    owner: str | None = None,
    parallelism: int = DEFAULT_PARALLELISM,
) -> list[Path]:
    """Write ``items`` into ``directory`` in ``fmt``; adopt them into that owner. Returns the files."""
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    directory.mkdir(parents=True, exist_ok=True)
    existing = [p for p in directory.iterdir() if p.name != ".gitkeep"]
    if existing:
        raise ConfigError(f"{directory} is not empty: export writes into a new or empty directory")
    if fmt == "yaml":
        return _export_yaml(client, directory, items, parallelism)
    if fmt == "pulumi":
        return _export_pulumi(directory, items)
    return _export_ansible(client, directory, items, owner or "ansible", parallelism)


def _export_yaml(client: Client, directory: Path, items: Sequence[Exported], parallelism: int) -> list[Path]:
    record = Record.load(directory)
    files = []
    for item in items:
        path = directory / f"{item.slug}.yaml"
        head = f"# exported by b3os export from {item.state.id}\n"
        if item.note:
            head += f"# {item.note}\n"
        path.write_text(head + _dump_yaml(item.doc), encoding="utf-8")
        record.resources[path.name] = {"kind": "workflow", "id": item.state.id, "name": item.doc["name"]}
        files.append(path)
    _mark(client, items, record.owner, parallelism)
    record.save()
    return [*files, record.path]


def _export_pulumi(directory: Path, items: Sequence[Exported]) -> list[Path]:
    defs = directory / "definitions"
    defs.mkdir()
    lines = [
        '"""Exported by `b3os export --format pulumi`: each workflow adopted by id (the first preview',
        'shows only adopts; after `pulumi up` there is nothing to change)."""',
        "",
        "from pathlib import Path",
        "",
        "import pulumi",
        "",
        "import pulumi_b3os as b3os",
        "",
        "HERE = Path(__file__).parent",
        "workflows = {}",
    ]
    files = []
    for item in items:
        path = defs / f"{item.slug}.json"
        path.write_text(
            json.dumps(item.doc["definition"], indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        files.append(path)
        args = {k: v for k, v in item.doc.items() if k not in ("definition", "id")}
        kwargs = ", ".join(f"{k}={v!r}" for k, v in args.items())
        if item.note:
            lines.append(f"# {item.note}")
        lines.append(
            f"workflows[{item.slug!r}] = b3os.Workflow({item.slug!r}, b3os.WorkflowArgs({kwargs}, "
            f"definition=HERE / 'definitions' / {path.name!r}, adopt_id={item.state.id!r}))"
        )
    lines += ["", 'pulumi.export("ids", {k: w.id for k, w in workflows.items()})', ""]
    program = directory / "__main__.py"
    program.write_text("\n".join(lines), encoding="utf-8")
    project = directory / "Pulumi.yaml"
    project.write_text(
        f"name: {_project_name(directory)}\nruntime: python\ndescription: B3OS workflows exported by b3os export\n"
    )
    return [program, project, *files]


def _project_name(directory: Path) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", directory.resolve().name).strip("-") or "b3os-workflows"


class _Unsafe(str):
    """A string Ansible must not template (B3OS expressions use ``{{ }}`` too)."""


def _unsafe_representer(dumper: yaml.SafeDumper, value: _Unsafe) -> yaml.Node:
    return dumper.represent_scalar("!unsafe", str(value), style="'")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Unsafe, _unsafe_representer)


def _export_ansible(
    client: Client, directory: Path, items: Sequence[Exported], owner: str, parallelism: int
) -> list[Path]:
    defs = directory / "definitions"
    defs.mkdir()
    entries = []
    files = []
    for item in items:
        path = defs / f"{item.slug}.json"
        path.write_text(
            json.dumps(item.doc["definition"], indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        files.append(path)
        entry: dict[str, Any] = {
            "id": item.state.id,
            "name": _Unsafe(item.doc["name"] or ""),
            "description": _Unsafe(item.doc["description"]),
            "state": item.declared_state,  # the collection's own words (present = published)
            "definition_file": f"definitions/{path.name}",
        }
        for key in ("cooldown_ms", "max_runs", "visibility"):
            if key in item.doc:
                entry[key] = item.doc[key]
        entries.append(entry)
    vars_file = directory / "workflows.yml"
    vars_file.write_text(
        "# Exported by b3os export --format ansible (definitions are files: never templated)\n"
        + yaml.dump(
            {"b3os_owner": owner, "b3os_workflows": entries},
            Dumper=_Dumper,
            sort_keys=False,
            allow_unicode=True,
            width=10**9,
        ),
        encoding="utf-8",
    )
    playbook = directory / "playbook.yml"
    playbook.write_text(
        """\
# Exported by b3os export --format ansible. Connection: B3OS_API_URL / B3OS_API_KEY.
- name: B3OS workflows
  hosts: localhost
  connection: local
  gather_facts: false
  vars_files:
    - workflows.yml
  tasks:
    - name: Workflows as exported
      b3os.b3os.workflow:
        id: "{{ item.id }}"
        name: "{{ item.name }}"
        description: "{{ item.description }}"
        definition_file: "{{ playbook_dir }}/{{ item.definition_file }}"
        state: "{{ item.state }}"
        cooldown_ms: "{{ item.cooldown_ms | default(omit) }}"
        max_runs: "{{ item.max_runs | default(omit) }}"
        visibility: "{{ item.visibility | default(omit) }}"
        owner: "{{ b3os_owner }}"
      loop: "{{ b3os_workflows }}"
      loop_control:
        label: "{{ item.name }}"
""",
        encoding="utf-8",
    )
    _mark(client, items, owner, parallelism)
    return [vars_file, playbook, *files]


def safe_export(*args: Any, **kwargs: Any) -> list[Path]:
    try:
        return export(*args, **kwargs)
    except OSError as exc:
        raise B3OSError(f"cannot write the export: {exc}") from None
