# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

"""The shared base of the collection's action plugins (``workflow``, ``workflows``).

An action plugin runs on the controller before the module. This one:

- looks ``definition_file`` and ``src`` up through Ansible's search path (a role's ``files/``,
  then the playbook's ``files/`` and directory, as ``ansible.builtin.copy`` does), reads them
  without templating (vault-encrypted files are decrypted) and sends their text to the module as
  ``definition_content`` / ``src_files``, so the module may run on any host (``delegate_to``);
- templates the ``definition`` arguments itself (ansible-core >= 2.19 lets an action plugin do
  that): a Jinja2 error inside a definition becomes an error that says B3OS expressions are the
  cause and how to write them, and a B3OS expression that Jinja2 *rendered* (``{{ root.result.x }}``
  with an Ansible variable ``root`` while ``root`` is a node of the definition, or any
  ``{{ $... }}``) fails the task before any request instead of storing the variable's value.

It needs nothing but ansible-core on the controller: the b3os package is imported by the module
only, wherever it runs.
"""

from __future__ import annotations

import os
import re

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
# Files under src sent to the module at most (a role's workflows are a few KB each).
SRC_MAX_BYTES = 16 * 1024 * 1024

_EXPR_RE = re.compile(r"\{\{-?\s*(\$?[A-Za-z_][A-Za-z0-9_-]*)[^}]*\}\}")

HOW_TO = (
    "B3OS expressions use {{ }} like Jinja2, and Ansible templates task arguments. Write the "
    "definition so Ansible leaves it alone: put it in a file and use definition_file (looked up in "
    "the role's files/ or the playbook's files/, never templated); or mark it "
    "'definition: !unsafe' (the whole mapping) or '!unsafe \"...\"' (each string); or wrap each "
    "string in {% raw %}...{% endraw %}."
)


def _b3os_heads(text, node_ids):
    """The B3OS expressions in ``text``: ``{{ $x... }}`` or ``{{ <node id>... }}``."""
    return [
        match.group(0)
        for match in _EXPR_RE.finditer(text)
        if match.group(1).startswith("$") or match.group(1) in node_ids
    ]


def _node_ids(definition):
    nodes = definition.get("nodes") if isinstance(definition, dict) else None
    return set(str(k) for k in nodes) if isinstance(nodes, dict) else set()


def rendered_away(raw, rendered, node_ids, path="definition"):
    """(path, expressions) for each string whose B3OS expressions templating made disappear.

    Both trees are walked together; where their shapes differ (the raw value was itself a template
    such as ``{{ my_definition }}``) nothing can be told, and nothing is reported."""
    found = []
    if isinstance(raw, dict) and isinstance(rendered, dict):
        for key, value in raw.items():
            if key in rendered:
                found.extend(rendered_away(value, rendered[key], node_ids, "%s.%s" % (path, key)))
    elif isinstance(raw, list) and isinstance(rendered, list) and len(raw) == len(rendered):
        for index, (one, other) in enumerate(zip(raw, rendered)):
            found.extend(rendered_away(one, other, node_ids, "%s[%d]" % (path, index)))
    elif isinstance(raw, str) and to_text(raw) != to_text(rendered):
        # An expression still present after templating survived ({% raw %}, a quoted literal).
        heads = [h for h in _b3os_heads(raw, node_ids) if h not in to_text(rendered)]
        if heads:
            found.append((path, heads))
    return found


def _template_definition(value, templar, label):
    """Template one definition argument; explain Jinja2 failures and rendered B3OS expressions."""
    try:
        rendered = templar.template(value)
    except AnsibleError as exc:
        raise AnsibleError(
            "%s could not be templated by Ansible: %s. If that text is a B3OS expression, %s"
            % (label, to_text(getattr(exc, "message", exc)).strip(), HOW_TO)
        ) from None
    damage = rendered_away(value, rendered, _node_ids(value), label)
    if damage:
        where = "; ".join("%s holds %s" % (path, ", ".join(heads)) for path, heads in damage)
        raise AnsibleError(
            "Ansible rendered B3OS expressions as Jinja2 (an Ansible variable of the same name "
            "replaced them, so B3OS would store its value): %s. %s" % (where, HOW_TO)
        )
    return rendered


class B3OSActionBase(ActionBase):
    """Resolve definition files on the controller and run the module (see the file's docstring)."""

    TRANSFERS_FILES = False
    MODULE = None  # the module's FQCN, set by each action plugin

    @classmethod
    def finalize_task_arg(cls, name, value, templar, context):
        if name == "definition":
            return _template_definition(value, templar, "definition")
        if name == "workflows" and isinstance(value, list):
            out = []
            for index, item in enumerate(value):
                if isinstance(item, dict) and "definition" in item:
                    item = dict(item)
                    rest = dict((k, v) for k, v in item.items() if k != "definition")
                    rendered = templar.template(rest)
                    rendered["definition"] = _template_definition(
                        item["definition"], templar, "workflows[%d].definition" % index
                    )
                    out.append(rendered)
                else:
                    out.append(templar.template(item))
            return out
        return super(B3OSActionBase, cls).finalize_task_arg(name, value, templar, context)

    def _find(self, kind, name):
        """A controller path through the search path, or None (then the module's host reads it)."""
        try:
            return self._find_needle("files", name)
        except AnsibleError:
            if os.path.isabs(name):
                return None  # an absolute path on the module's host
            raise AnsibleActionFail(
                "%s %r not found on the controller: a relative path is looked up in the role's "
                "files/ directory, then the playbook's files/ and directory (as for "
                "ansible.builtin.copy src); use an absolute path for a file on the host that runs "
                "the module" % (kind, name)
            )

    def _read(self, path):
        real = self._loader.get_real_file(path, decrypt=True)
        try:
            with open(real, "rb") as handle:
                data = handle.read()
        finally:
            self._loader.cleanup_tmp_file(real)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise AnsibleActionFail("%s is not UTF-8 text" % path)

    def _inline_definition_file(self, args, where="definition_file"):
        """definition_file -> definition_content (the file's text), keeping the name for messages."""
        name = args.get("definition_file")
        if not name or args.get("definition_content") is not None:
            return args
        path = self._find(where, to_text(name))
        if path is None:
            return args
        args = dict(args)
        args["definition_content"] = self._read(path)
        args["definition_file"] = path
        return args

    def _read_src(self, name):
        """src -> {relative path: text} of every file under it, or None (read on the module's host)."""
        path = self._find("src", to_text(name))
        if path is None:
            return None
        if not os.path.isdir(path):
            raise AnsibleActionFail("src %r (%s) is not a directory of workflow files" % (name, path))
        files, total = {}, 0
        for root, dirs, names in os.walk(path):
            dirs.sort()
            for one in sorted(names):
                full = os.path.join(root, one)
                rel = os.path.relpath(full, path).replace(os.sep, "/")
                files[rel] = self._read(full)
                total += len(files[rel])
                if total > SRC_MAX_BYTES:
                    raise AnsibleActionFail(
                        "src %r holds more than %d MB of files; keep only workflow files there"
                        % (name, SRC_MAX_BYTES // (1024 * 1024))
                    )
        if not any(rel.endswith(SPEC_SUFFIXES) and "/" not in rel for rel in files):
            raise AnsibleActionFail(
                "src %r (%s) holds no workflow files (%s)" % (name, path, ", ".join(SPEC_SUFFIXES))
            )
        return files

    def module_args(self, args):
        """The module's arguments from the task's; each action plugin adds its files."""
        return args

    def run(self, tmp=None, task_vars=None):
        result = super(B3OSActionBase, self).run(tmp, task_vars)
        del tmp
        try:
            args = self.module_args(dict(self._task.args))
        except AnsibleActionFail as exc:
            result.update(failed=True, msg=to_text(exc.message))
            return result
        result.update(self._execute_module(module_name=self.MODULE, module_args=args, task_vars=task_vars))
        return result
