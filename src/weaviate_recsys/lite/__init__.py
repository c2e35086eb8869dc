"""An embedded Weaviate-compatible server (REST + gRPC) for tests, demos and zero-setup use.

``connect()`` returns a normal ``weaviate.WeaviateClient`` bound to an in-process server (with no
``data_dir``, in a temporary directory deleted on close; the CLI's store is ``connect(data_dir=".weaviate-recsys")``);
``start()`` returns a handle with the ports; ``spawn()`` runs one in a child process (``connect(in_process=False)``);
``serve()`` blocks (the ``lite serve`` command).
Behaviour follows WEAVIATE_SEMANTICS.md; see the README's compatibility table for what is covered.
"""

from weaviate_recsys.lite.process import LiteProcess, spawn
from weaviate_recsys.lite.server import LiteServer, connect, serve, start

__all__ = ["LiteProcess", "LiteServer", "connect", "serve", "spawn", "start"]
