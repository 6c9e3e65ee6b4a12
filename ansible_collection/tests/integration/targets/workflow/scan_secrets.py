# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

"""Fail if the API key or any workflow's trigger secret appears in a captured playbook log.

Usage: python scan_secrets.py LOG (B3OS_API_URL / B3OS_API_KEY in the environment).
Reads every workflow of the organization, archived ones included, to learn the trigger secrets.
"""

from __future__ import annotations

import os
import sys

from b3os.client import Client


def trigger_secrets(client):
    secrets = set()
    for status in (None, "archived"):
        filters = {"status": status} if status else {}
        for row in client.iter_workflows(**filters):
            secret = getattr(client.get_workflow(row.id), "trigger_secret", None)
            if secret:
                secrets.add(secret)
    return secrets


def main(log_path):
    with open(log_path, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    key = os.environ["B3OS_API_KEY"]
    with Client() as client:
        secrets = trigger_secrets(client)
    if not secrets:
        print("scan_secrets: no trigger secrets found to look for", file=sys.stderr)
        return 1
    leaked = [name for name, value in [("API key", key)] + [("trigger secret", s) for s in secrets] if value in text]
    if leaked:
        print("scan_secrets: found in the output: %s" % ", ".join(sorted(set(leaked))), file=sys.stderr)
        return 1
    print("scan_secrets: the API key and %d trigger secrets are absent from %d bytes of output" % (len(secrets), len(text)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
