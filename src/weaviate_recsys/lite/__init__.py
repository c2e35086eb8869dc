"""An embedded Weaviate-compatible server (REST + gRPC) for tests, demos and zero-setup use.

``connect()`` returns a normal ``weaviate.WeaviateClient`` bound to an in-process server (with no
``data_dir``, in a temporary directory deleted on close; the CLI's store is ``connect(data_dir=".weaviate-recsys")``);
``start()`` returns a handle with the ports; ``spawn()`` runs one in a child process (``connect(in_process=False)``);
``serve()`` blocks (the ``lite serve`` command); ``check_store()`` checks a stopped server's data directory
(the ``lite check`` command).
Behaviour follows Weaviate's as described in docs/lite-server.md, whose compatibility table (§8) says
what is covered.
"""

from weaviate_recsys.lite.integrity import StoreCheck, check_store
from weaviate_recsys.lite.process import LiteProcess, spawn
from weaviate_recsys.lite.server import LiteServer, client_for, connect, serve, start

__all__ = [
    "LiteProcess",
    "LiteServer",
    "StoreCheck",
    "check_store",
    "client_for",
    "connect",
    "serve",
    "spawn",
    "start",
]
