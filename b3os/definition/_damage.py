"""template_damage: warnings for a definition already rendered by Jinja2 (e.g. by Ansible)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from b3os.definition._common import _item, _strings
from b3os.models import ValidationItem

_REQUIRED_STRINGS = {"log": ("message",), "cronjob": ("rrule",), "for-each": ("array",)}
_PY_REPR_RE = re.compile(r"(?:\{'[^']*'\s*:|\[\{'|^None$|:\s*None\b)")


def template_damage(definition: object) -> list[ValidationItem]:
    """Warnings for a definition whose {{…}} were already rendered by Jinja2 (e.g. by Ansible).

    Conservative heuristics, each on payload strings only:
    - a required string of a built-in (log.message, cronjob.rrule, for-each.array) is empty;
    - a string ends in ": " (a label whose value rendered to nothing: "Incoming message: ");
    - a string holds a Python repr left by rendering ("None" alone, ": None", "{'a': …", "[{'");
    - an `if` condition clause key has no "{{" (the expression itself was rendered away).
    """
    if not isinstance(definition, Mapping) or not isinstance(definition.get("nodes"), Mapping):
        return []
    items: list[ValidationItem] = []
    hint = (
        "if Ansible rendered it, wrap the definition in {% raw %}…{% endraw %} or load it with "
        "lookup('file') without templating"
    )

    def warn(code: str, node_id: str, field: str, text: str) -> None:
        items.append(_item("pattern", code, f"node '{node_id}': {text}: {hint}", node_id, field))

    for node_id, node in definition["nodes"].items():
        if not isinstance(node, Mapping) or not isinstance(node.get("payload"), Mapping):
            continue
        payload = node["payload"]
        for key in _REQUIRED_STRINGS.get(str(node.get("type")), ()):
            if isinstance(payload.get(key), str) and not payload[key].strip():
                warn(
                    "template_rendered_empty",
                    node_id,
                    f"payload.{key}",
                    f"payload.{key} is empty, as if an expression was rendered to nothing",
                )
        for field, text in _strings(payload, "payload"):
            if "{{" in text:
                continue
            if text.endswith(": "):
                warn(
                    "template_rendered_trailing_label",
                    node_id,
                    field,
                    f"{field} ends with ': ', as if the expression after it was rendered to nothing",
                )
            elif _PY_REPR_RE.search(text):
                warn(
                    "template_rendered_python_repr",
                    node_id,
                    field,
                    f"{field} contains a Python value repr ({text[:40]!r}), as if an expression was "
                    "rendered by Jinja2",
                )
        cond = payload.get("condition") if node.get("type") == "if" else None
        if isinstance(cond, Mapping) and len(cond) == 1:
            top = next(iter(cond))
            clauses = cond[top]
            for i, clause in enumerate(clauses if isinstance(clauses, list) else ()):
                if isinstance(clause, Mapping) and len(clause) == 1:
                    k = next(iter(clause))
                    if isinstance(k, str) and k not in ("$and", "$or") and "{{" not in k:
                        warn(
                            "template_rendered_condition",
                            node_id,
                            f"payload.condition.{top}[{i}]",
                            f"condition operand {k!r} is not an expression, as if {{{{…}}}} was rendered",
                        )
    return items
