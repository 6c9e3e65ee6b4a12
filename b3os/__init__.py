"""b3os: B3OS workflows as infrastructure code (API client, models, validator, Workflow resource)."""

from b3os._version import __version__

__all__ = ["__version__"]
