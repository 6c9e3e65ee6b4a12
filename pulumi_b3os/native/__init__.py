"""``pulumi-resource-b3os``: the native Pulumi provider plugin (package ``b3os``), in Python.

Beside the dynamic provider (``pulumi_b3os.Workflow``, Python programs only), this plugin serves
every kind of ``b3os.kinds`` as ``b3os:index:<Kind.token>`` to programs in any Pulumi language
(YAML, TypeScript, Go, .NET, Python without an SDK), with a schema generated from the field
tables, ``pulumi import``, per-property diffs and one-line errors.

It is built on ``pulumi.provider.experimental`` (tested with the pulumi SDK 3.272; the
``pulumi[…]`` range in pyproject.toml pins what is tested). ``server.main`` is that module's
entry point; we run the same servicer, with two differences made here:

* errors: ``server.main``'s servicer appends the Python stack to every error message; ours
  sends the provider's one-line message only (``ProviderError`` / ``message_of``);
* concurrency: the blocking API calls run on a pool of ``MAX_CONCURRENCY`` threads (the default
  asyncio pool would be ``min(32, cpus + 4)``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import Any

from b3os._version import __version__

__all__ = ["main"]

# The RPCs whose errors are the provider's own (the others keep the SDK's behaviour).
_RPCS = ("Check", "Diff", "Create", "Read", "Update", "Delete", "Configure", "GetSchema", "CheckConfig")


def _servicer_class() -> Any:
    import grpc  # type: ignore[import-untyped]
    from pulumi.provider.experimental.server import ProviderServicer

    from pulumi_b3os.native.provider import message_of

    def clean(name: str) -> Any:
        wrapped = getattr(ProviderServicer, name)

        async def rpc(self: Any, request: Any, context: Any) -> Any:
            try:
                return await wrapped(self, request, context)
            except Exception as exc:  # noqa: BLE001 - every failure becomes one clean gRPC error
                # The SDK re-raises as Exception("<message>:\n<stack>") from the original one.
                original = exc.__context__ if exc.__context__ is not None else exc
                await context.abort(grpc.StatusCode.UNKNOWN, message_of(original))

        rpc.__name__ = name
        return rpc

    return type("B3OSServicer", (ProviderServicer,), {name: clean(name) for name in _RPCS})


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the provider: print the port on stdout, serve until the engine stops us."""
    from b3os.entrypoint import prepare

    prepare()
    import grpc.aio  # type: ignore[import-untyped]
    from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
    from pulumi.runtime.proto import provider_pb2_grpc

    from pulumi_b3os.native.provider import B3OSProvider

    args = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="pulumi-resource-b3os", description="B3OS Pulumi provider plugin")
    parser.add_argument("engine", nargs="?", help="the Pulumi engine address")
    parser.add_argument("--logflow", action="store_true", help="ignored")
    parser.add_argument("--logtostderr", action="store_true", help="ignored")
    parser.add_argument("--get-schema", action="store_true", help="print the package schema and exit")
    known, _ = parser.parse_known_args(args)
    if known.get_schema:
        from pulumi_b3os.native.schema import schema_json

        print(schema_json())
        return
    if not known.engine:
        parser.error("the engine address is required (the Pulumi engine starts this plugin)")

    async def serve() -> None:
        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        servicer = _servicer_class()(
            args, __version__, B3OSProvider(engine_address=known.engine), engine_address=known.engine
        )
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port(address="127.0.0.1:0")
        await server.start()
        sys.stdout.buffer.write(f"{port}\n".encode())
        sys.stdout.buffer.flush()
        await server.wait_for_termination()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
