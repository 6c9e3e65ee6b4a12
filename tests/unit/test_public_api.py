"""The public surface of ``b3os`` and the import-cost promises (checked in fresh interpreters)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import b3os
import b3os.errors

ROOT = Path(__file__).resolve().parents[2]


def _fresh(code: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _public_namespace() -> set[str]:
    """Every public name ``b3os`` offers: its own attributes (modules aside) and the lazy ones."""
    import types

    names = {
        n for n, v in vars(b3os).items() if not n.startswith("_") and not isinstance(v, types.ModuleType)
    }
    names -= {"annotations", "TYPE_CHECKING", "Any", "sys"}  # the module's own imports
    return names | set(b3os._LAZY) | {"__version__"}


def test_all_is_the_public_namespace_sorted() -> None:
    assert set(b3os.__all__) == _public_namespace()
    assert sorted(b3os.__all__) == b3os.__all__


def test_every_name_in_all_resolves() -> None:
    from b3os._retry import RetryPolicy
    from b3os.client import Client

    for name in b3os.__all__:
        assert getattr(b3os, name) is not None
    assert b3os.Client is Client and b3os.RetryPolicy is RetryPolicy
    assert b3os.NotFoundError is b3os.errors.NotFoundError


def test_errors_module_all_matches_the_package_reexports() -> None:
    reexported = {n for n in b3os.__all__ if n.endswith("Error")}
    assert set(b3os.errors.__all__) == reexported


def test_import_b3os_is_cheap() -> None:
    loaded = _fresh(
        "import sys, json, b3os; "
        "print(json.dumps({m: m in sys.modules for m in ('httpx', 'pydantic', 'b3os.client', 'b3os.workflow', "
        "'b3os.local', 'yaml', 'rich')}))"
    )
    assert not any(loaded.values()), loaded


def test_client_and_models_do_not_import_heavy_dependencies() -> None:
    # issue 14: the import (paid by every Ansible task) loads no HTTP stack, no sub-API, no SSE
    # reader and no optional dependency; they load when a Client is built or a sub-API first used.
    heavy = (
        "rich", "yaml", "fastapi", "uvicorn", "pulumi", "ansible", "click", "pygments", "b3os.local",
        "httpx", "httpcore", "b3os._http", "b3os._transport", "b3os._api.runs", "b3os._api.workflows",
        "b3os._sse", "email.utils",
    )  # fmt: skip
    loaded = _fresh(
        f"import sys, json, b3os.client, b3os.models; print(json.dumps({{m: m in sys.modules for m in {heavy!r}}}))"
    )
    assert not any(loaded.values()), loaded


def test_a_client_loads_httpx_and_only_the_sub_apis_it_uses() -> None:
    code = (
        "import sys, json\n"
        "from b3os.client import Client\n"
        "from b3os import _http\n"  # the test's own transport needs httpx: loaded the way b3os loads it
        "_h = _http.httpx\n"
        "def answer(request):\n"
        "    return _h.Response(200, json={'code': 0, 'message': 'ok', 'data': {'items': [], 'hasMore': False}})\n"
        "with Client(base_url='https://api.example.test', api_key='k-1', transport=_h.MockTransport(answer)) as c:\n"
        "    built = {m: m in sys.modules for m in ('b3os._transport', 'b3os._api.workflows', 'b3os._api.runs')}\n"
        "    list(c.iter_workflows())\n"
        "    used = {m: m in sys.modules for m in ('b3os._api.workflows', 'b3os._api.runs', 'b3os._sse', 'rich')}\n"
        "print(json.dumps({'built': built, 'used': used}))"
    )
    loaded = _fresh(code)
    assert loaded["built"] == {"b3os._transport": True, "b3os._api.workflows": False, "b3os._api.runs": False}
    assert loaded["used"] == {
        "b3os._api.workflows": True,
        "b3os._api.runs": False,
        "b3os._sse": False,
        "rich": False,
    }


def test_httpx_loaded_by_b3os_has_no_cli_guard_left_behind() -> None:
    # b3os._http keeps httpx's optional CLI out of its import, then removes its sys.modules guard.
    loaded = _fresh(
        "import sys, json, b3os._http; print(json.dumps({'guard': sys.modules.get('httpx._main', 0) is None}))"
    )
    assert loaded == {"guard": False}


def test_engine_kinds_and_providers_do_not_import_the_cli_stack() -> None:
    # rich is the CLI's; the engine, the kinds and the Pulumi providers must not pay for it.
    loaded = _fresh(
        "import sys, json, b3os.kinds, b3os.resource.fleet, b3os.resource.files, pulumi_b3os; "
        "print(json.dumps({m: m in sys.modules for m in ('rich', 'b3os.cli', 'b3os.local', 'fastapi')}))"
    )
    assert not any(loaded.values()), loaded


def test_httpx_cli_still_importable_after_b3os() -> None:
    # b3os keeps httpx's CLI out of its own import, but must not break it for anybody else.
    for dependency in ("click", "rich", "pygments"):  # httpx's optional CLI extra
        pytest.importorskip(dependency)
    result = _fresh(
        "import json, b3os.client, httpx._main; print(json.dumps({'ok': callable(httpx._main.main)}))"
    )
    assert result == {"ok": True}


def test_lazy_attribute_errors_are_normal() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        b3os.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


def test_repository_tooling_is_not_in_the_packages() -> None:
    # The demo driver needs the repository's examples/, the stand-in Pulumi language host is a
    # build-time helper: neither belongs in the wheel (hatch ships b3os/ and pulumi_b3os/ whole).
    import importlib.util

    assert importlib.util.find_spec("b3os.demo") is None
    assert importlib.util.find_spec("pulumi_b3os._langhost") is None
    assert (ROOT / "scripts" / "demo.py").is_file() and (ROOT / "scripts" / "pulumi_langhost.py").is_file()


def test_our_processes_skip_pydantic_plugin_discovery_the_library_does_not() -> None:
    # b3os.entrypoint.prepare() (CLI, Ansible modules, native plugin): pydantic's first model does
    # not scan every installed distribution's entry points. `import b3os` alone changes nothing.
    probe = (
        "from b3os.models import Workflow\n"
        "Workflow.model_validate({'id': 'wf_1', 'name': 'n'})\n"
        "import pydantic.plugin._loader as loader\n"
        "print(json.dumps({'scanned': loader._plugins is not None, "
        "'setting': os.environ.get('PYDANTIC_DISABLE_PLUGINS')}))"
    )
    start = "import json, os\nos.environ.pop('PYDANTIC_DISABLE_PLUGINS', None)\n"
    prepared = start + "from b3os.entrypoint import prepare\nprepare()\n"
    assert _fresh(prepared + probe) == {"scanned": False, "setting": "__all__"}
    assert _fresh(start + "import b3os, b3os.client\n" + probe) == {"scanned": True, "setting": None}
    chosen = (
        "import json, os\nos.environ['PYDANTIC_DISABLE_PLUGINS'] = 'logfire'\n"  # a user's own choice stays
    )
    kept = _fresh(chosen + "from b3os.entrypoint import prepare\nprepare()\n" + probe)
    assert kept["setting"] == "logfire"
