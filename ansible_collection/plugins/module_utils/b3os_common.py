# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

"""The thin adapter between Ansible modules and the b3os-iac Python package.

Everything a module decides (diffs, validation, lifecycle, redaction) lives in the ``b3os``
package, shared with the Pulumi provider and the CLI. This file only:
- imports ``b3os`` guarded, so a missing package is a clear ``missing_required_lib`` failure;
- checks the installed ``b3os`` version;
- holds the connection options and builds a ``b3os.client.Client`` from them;
- turns ``b3os.errors.B3OSError`` into ``fail_json`` with a sanitized message and fields.
"""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import env_fallback, missing_required_lib

try:
    import b3os
    from b3os.client import Client
    from b3os.errors import APIError, AuthenticationError, B3OSError
    from b3os.redact import redact
except ImportError:
    HAS_B3OS = False
    B3OS_IMPORT_ERROR = traceback.format_exc()

    # Placeholders keep `except B3OSError:` in the modules valid when the import failed.
    class B3OSError(Exception):  # type: ignore[no-redef]
        """Placeholder for b3os.errors.B3OSError."""

    APIError = AuthenticationError = B3OSError  # type: ignore[misc]
else:
    HAS_B3OS = True
    B3OS_IMPORT_ERROR = None
    try:
        from b3os.entrypoint import prepare
    except ImportError:  # an older b3os-iac: nothing to prepare
        pass
    else:
        prepare()  # a module's process is ours: skip pydantic's plugin discovery (~50 ms a task)

# The oldest b3os-iac this collection release works with.
MIN_B3OS_VERSION = "0.1.0"
COLLECTION_VERSION = "0.2.0"

AUTH_ARGSPEC = dict(
    api_url=dict(type="str", fallback=(env_fallback, ["B3OS_API_URL"])),
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["B3OS_API_KEY"])),
    timeout=dict(type="float", default=30),
    validate_certs=dict(type="bool", default=True),
)


def auth_argspec(**options):
    """The shared connection options plus the module's own ``options``."""
    spec = dict((k, dict(v)) for k, v in AUTH_ARGSPEC.items())
    spec.update(options)
    return spec


def _version_tuple(text):
    """(1, 2, 3) for "1.2.3", "1.2.3rc1" or "1.2.3.dev4": the leading numeric release only."""
    parts = []
    for piece in str(text).split("."):
        digits = ""
        for char in piece:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        parts.append(int(digits))
        if digits != piece:
            break
    return tuple(parts)


def require_b3os(module):
    """Fail the task when the b3os-iac package is missing or too old."""
    if not HAS_B3OS:
        module.fail_json(
            msg=missing_required_lib(
                "b3os-iac",
                reason="in the Python that runs this module (usually the controller: use hosts: localhost)",
            ),
            exception=B3OS_IMPORT_ERROR,
        )
    installed = getattr(b3os, "__version__", "0")
    if _version_tuple(installed) < _version_tuple(MIN_B3OS_VERSION):
        module.fail_json(
            msg="b3os.b3os %s needs b3os-iac >= %s, found %s: pip install -U 'b3os-iac>=%s'"
            % (COLLECTION_VERSION, MIN_B3OS_VERSION, installed, MIN_B3OS_VERSION)
        )


def secrets_of(module):
    """Values that must never reach the output (the API key), for b3os.redact."""
    return [module.params.get("api_key")]


def redacted(module, value):
    """``value`` with secret-named keys (triggerSecret, …) and the API key masked."""
    return redact(value, secrets_of(module))


def make_client(module):
    """A b3os Client from the module's connection options (env fallbacks already applied)."""
    require_b3os(module)
    params = module.params
    try:
        return Client(
            base_url=params.get("api_url") or None,
            api_key=params.get("api_key") or None,
            timeout=float(params.get("timeout") or 30),
            verify=bool(params.get("validate_certs", True)),
            user_agent="ansible-b3os.b3os/%s b3os-iac/%s" % (COLLECTION_VERSION, b3os.__version__),
        )
    except B3OSError as err:
        fail_from_error(module, err)


def _items_of(err):
    items = getattr(err, "items", None) or []
    out = []
    for item in items:
        if hasattr(item, "model_dump"):
            item = item.model_dump(mode="json", exclude_none=True)
        out.append(item)
    return out


def fail_from_error(module, err, **result):
    """fail_json for a B3OSError: one readable line plus status/code/details/request_id/items.

    ``str(err)`` of b3os errors never holds headers or the key; redaction is a second safety net.
    """
    msg = str(err)
    if isinstance(err, AuthenticationError):
        msg += " (check api_key or the B3OS_API_KEY environment variable)"
    fields = dict(result)
    if isinstance(err, APIError):
        fields.update(
            status=err.status_code,
            code=err.code,
            details=err.details,
            request_id=err.request_id,
        )
    items = _items_of(err)
    if items:
        fields["items"] = items
    fields = redacted(module, fields) if HAS_B3OS else fields
    msg = redacted(module, msg) if HAS_B3OS else msg
    module.fail_json(msg=msg, **fields)
