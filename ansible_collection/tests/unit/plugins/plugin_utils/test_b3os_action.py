# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

"""The action plugins' controller-side checks: which templating damage is detected, and how."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleError

from ansible_collections.b3os.b3os.plugins.plugin_utils import b3os_action

NODES = {"root": {"type": "manual", "payload": {}, "children": ["log"]}}


def definition(message):
    nodes = dict(NODES)
    nodes["log"] = {"type": "log", "payload": {"message": message}}
    return {"nodes": nodes}


class Templar:
    """A stand-in templar: renders by a fixed table, or raises like Jinja2 does."""

    def __init__(self, table=None, error=None):
        self.table = table or {}
        self.error = error

    def template(self, value):
        if self.error is not None:
            raise AnsibleError(self.error)
        if isinstance(value, dict):
            return dict((k, self.template(v)) for k, v in value.items())
        if isinstance(value, list):
            return [self.template(v) for v in value]
        return self.table.get(value, value) if isinstance(value, str) else value


def test_a_node_reference_rendered_away_is_refused_naming_the_string():
    raw = definition("Source: {{ root.result.source }}")
    templar = Templar({"Source: {{ root.result.source }}": "Source: SECRET-VALUE"})
    with pytest.raises(AnsibleError) as caught:
        b3os_action._template_definition(raw, templar, "definition")
    message = str(caught.value)
    assert "definition.nodes.log.payload.message holds {{ root.result.source }}" in message
    assert "definition_file" in message and "!unsafe" in message and "{% raw %}" in message
    assert "SECRET-VALUE" not in message


def test_an_expression_that_survives_templating_is_fine():
    text = "{% raw %}Got {{$trigger.body.x}}{% endraw %}"
    raw = definition(text)
    rendered = b3os_action._template_definition(raw, Templar({text: "Got {{$trigger.body.x}}"}), "definition")
    assert rendered["nodes"]["log"]["payload"]["message"] == "Got {{$trigger.body.x}}"


def test_ansible_variables_that_are_not_nodes_are_ansible_s():
    raw = definition("Env: {{ env_name }}")
    rendered = b3os_action._template_definition(raw, Templar({"Env: {{ env_name }}": "Env: prod"}), "definition")
    assert rendered["nodes"]["log"]["payload"]["message"] == "Env: prod"


def test_a_jinja2_error_explains_b3os_expressions():
    with pytest.raises(AnsibleError) as caught:
        b3os_action._template_definition(
            definition("{{$trigger.body.x}}"), Templar(error="unexpected char '$' at 2"), "definition"
        )
    message = str(caught.value)
    assert "unexpected char '$'" in message and "B3OS expression" in message and "!unsafe" in message


def test_a_definition_that_is_one_template_cannot_be_checked():
    # documented limit: the raw value is a string, its rendered strings have no original to compare
    rendered_value = definition("Source: SECRET")
    assert b3os_action.rendered_away("{{ my_definition }}", rendered_value, set()) == []


def test_bulk_items_are_checked_one_by_one():
    raw = [{"name": "a", "definition": definition("x {{ root.result }}")}]
    templar = Templar({"x {{ root.result }}": "x 1"})
    with pytest.raises(AnsibleError) as caught:
        b3os_action.B3OSActionBase.finalize_task_arg("workflows", raw, templar, None)
    assert "workflows[0].definition.nodes.log.payload.message" in str(caught.value)
