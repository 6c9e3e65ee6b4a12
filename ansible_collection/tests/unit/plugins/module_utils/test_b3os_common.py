# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

"""The adapter: version parsing, client options, error translation without secrets."""

from __future__ import annotations

import pytest
from b3os.errors import APIError, TransportError

from ansible_collections.b3os.b3os.plugins.module_utils import b3os_common

KEY = "b3os_sk_adapter_unit_key"


class FakeModule:
    def __init__(self, **params):
        self.params = dict(api_url="http://127.0.0.1:9", api_key=KEY, timeout=5.0, validate_certs=True)
        self.params.update(params)
        self.failed = None

    def fail_json(self, **result):
        self.failed = result
        raise SystemExit(1)


@pytest.mark.parametrize(
    "text, expected",
    [("0.1.0", (0, 1, 0)), ("1.2.3rc1", (1, 2, 3)), ("2.0.dev4", (2, 0)), ("10", (10,))],
)
def test_version_tuple(text, expected):
    assert b3os_common._version_tuple(text) == expected  # pylint: disable=protected-access


def test_client_gets_url_key_and_timeout():
    client = b3os_common.make_client(FakeModule())
    try:
        assert client.base_url.startswith("http://127.0.0.1:9")
        assert client.timeout == 5.0
        assert KEY not in repr(client)
    finally:
        client.close()


def test_validate_certs_false_turns_tls_verification_off(monkeypatch):
    seen = {}
    real = b3os_common.Client

    def spy(**kwargs):
        seen.update(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(b3os_common, "Client", spy)
    b3os_common.make_client(FakeModule(validate_certs=False)).close()
    assert seen["verify"] is False
    b3os_common.make_client(FakeModule()).close()
    assert seen["verify"] is True


def test_plain_http_to_a_remote_host_fails_clearly():
    module = FakeModule(api_url="http://api.example.com")
    with pytest.raises(SystemExit):
        b3os_common.make_client(module)
    assert "http" in module.failed["msg"]
    assert KEY not in str(module.failed)


def test_api_error_fields_and_key_masked_even_if_echoed():
    module = FakeModule()
    err = APIError("proxy said Bearer %s" % KEY, status_code=502, code=None, details=[{"k": KEY}], request_id="r1")
    with pytest.raises(SystemExit):
        b3os_common.fail_from_error(module, err, changed=False)
    assert module.failed["status"] == 502 and module.failed["request_id"] == "r1"
    assert KEY not in str(module.failed)


def test_transport_error_is_one_line():
    module = FakeModule()
    with pytest.raises(SystemExit):
        b3os_common.fail_from_error(module, TransportError("connection refused", method="GET", path="/v1/workflows"))
    assert module.failed["msg"] == "connection refused (GET /v1/workflows)"
    assert "status" not in module.failed
