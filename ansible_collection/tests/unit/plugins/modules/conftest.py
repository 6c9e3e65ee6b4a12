# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

"""Run a module's main() in-process with patch_module_args and return its JSON result."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

API_KEY = "b3os_sk_unit_test_key_do_not_print"
AUTH = {"api_url": "http://127.0.0.1:9", "api_key": API_KEY}


@pytest.fixture
def run_module(capsys):
    """run_module(module, args, check=False, diff=False) -> result dict; run_module.stdout is the raw output."""

    def run(module, args, check=False, diff=False):
        full = dict(AUTH)
        full.update(args)
        full["_ansible_check_mode"] = check
        full["_ansible_diff"] = diff
        with patch_module_args(full):
            with pytest.raises(SystemExit):
                module.main()
        run.stdout = capsys.readouterr().out
        return json.loads(run.stdout)

    return run
