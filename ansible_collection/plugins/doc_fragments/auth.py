# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations


class ModuleDocFragment:
    """The connection options every b3os.b3os module shares."""

    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of the B3OS API.
      - If not set, the value of the E(B3OS_API_URL) environment variable is used, and
        then the public API V(https://api.b3os.org).
      - Plain C(http://) is refused except for loopback hosts (a local emulator such as b3os-local).
      - Set it once for every task with C(module_defaults) and the group C(group/b3os.b3os.b3os).
    type: str
  api_key:
    description:
      - The B3OS API key, sent as a bearer token.
      - If not set, the value of the E(B3OS_API_KEY) environment variable is used.
      - The key is never printed, neither in results, diffs, errors nor at C(-vvvv).
    type: str
  timeout:
    description:
      - Timeout in seconds for each HTTP request to the API.
    type: float
    default: 30
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the API.
      - Only set this to V(false) against a test server with a self-signed certificate.
    type: bool
    default: true
requirements:
  - python >= 3.11
  - b3os-iac >= 0.1.0 (C(pip install b3os-iac)) in the Python that runs the module,
    normally the controller (a play on C(localhost), or C(delegate_to=localhost))
"""
