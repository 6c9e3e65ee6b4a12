"""b3os-local: a faithful local B3OS API (FastAPI + uvicorn + SQLite), like moto server for AWS.

``from b3os.local import LocalServer`` is cheap: FastAPI and uvicorn load when a server starts.
"""

from b3os.local.server import LocalServer, is_write

__all__ = ["LocalServer", "is_write"]
