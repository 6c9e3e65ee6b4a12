"""The field table and the checks it drives."""

from __future__ import annotations

import pytest

from b3os.errors import ConfigError
from b3os.kinds import KINDS, get
from b3os.resource.fields import file_keys, inputs, outputs
from b3os.resource.spec import check_values


def test_every_kind_has_an_identity_and_described_fields() -> None:
    for kind in KINDS:
        roles = {f.role for f in kind.fields}
        assert "id" in roles and "key" in roles, kind.name
        assert all(f.description.strip() for f in kind.fields), kind.name
        assert len({f.name for f in kind.fields}) == len(kind.fields), kind.name


def test_write_only_fields_are_never_outputs_and_are_secret() -> None:
    for kind in KINDS:
        for f in kind.fields:
            if f.write_only:
                assert f.secret and f not in outputs(kind.fields), (kind.name, f.name)


def test_file_keys_include_camel_aliases_and_no_computed_fields() -> None:
    keys = file_keys(get("execution_webhook").fields)
    assert keys["maxRetries"] == "max_retries" and "signing_secret" not in keys and "status" not in keys
    assert [f.name for f in inputs(get("connector").fields)][:3] == ["id", "name", "type"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": 3}, "connector name: expected a string"),
        ({"name": "c", "state": "gone"}, "state: 'gone' is not one of present, absent"),
        ({"name": "c", "data": ["x"]}, "data: expected a object"),
        ({"name": "c", "status": "x"}, "unknown field"),  # computed: not an input
    ],
)
def test_check_values_names_the_field(values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_values("connector", get("connector").fields, values)


def test_defaults_fill_unset_values() -> None:
    checked = check_values("connector", get("connector").fields, {"name": "c"})
    assert checked["state"] == "present" and checked["update_data"] == "on_change" and checked["data"] is None
