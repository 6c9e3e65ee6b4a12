"""What every process of ours does first: the CLI, an Ansible module, the native Pulumi plugin.

Not done on ``import b3os``: a program that imports the library keeps its own process settings.
"""

from __future__ import annotations

import os

__all__ = ["prepare"]


def prepare() -> None:
    """Skip pydantic's plugin discovery: on its first model pydantic reads the entry points of
    every installed distribution (``importlib.metadata``: 50-75 ms with the ~140 distributions
    of a venv holding Ansible and Pulumi, more than the work of a one-workflow Ansible task).
    b3os's models use no pydantic plugin. A ``PYDANTIC_DISABLE_PLUGINS`` already set is kept."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
