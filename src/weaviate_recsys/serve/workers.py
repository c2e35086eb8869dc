"""Running the service: one process, or several worker processes behind one port (`serve --workers N`).

One Python process runs one request's work at a time on one core (the GIL), so a machine with several cores
serves more requests per second with several workers. Each worker is a full replica: its own client, caches
and embedding model (loaded on first use), all reading the same Weaviate, as replicas on several machines do.
uvicorn starts the workers in fresh interpreters, so the settings the command was given travel to them as
JSON in the environment variable `WORKER_SETTINGS`, read by `worker_app`.
"""

from __future__ import annotations

import gc
import json
import os
import socket
from typing import Any

from pydantic import SecretStr

from ..settings import Settings
from .app import create_app

__all__ = ["WORKER_SETTINGS", "run", "serving_app", "settings_payload", "worker_app"]

#: The environment variable that hands the settings to worker processes.
WORKER_SETTINGS = "WEAVIATE_RECSYS_SERVE_WORKER_SETTINGS"


def settings_payload(settings: Settings) -> str:
    """``settings`` as JSON that `Settings.model_validate_json` reads back unchanged, secrets included.

    A worker must accept the same API keys and send the same Weaviate key as the command, so secrets are
    written in clear; the variable lives only in the environment of the service's own processes.
    """
    data = settings.model_dump(mode="json")
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            data[name] = value.get_secret_value()
        elif isinstance(value, list) and any(isinstance(v, SecretStr) for v in value):
            data[name] = [v.get_secret_value() if isinstance(v, SecretStr) else v for v in value]
    return json.dumps(data)


def worker_app() -> Any:
    """One worker's ASGI app (uvicorn's ``factory``), built from the settings in `WORKER_SETTINGS`."""
    payload = os.environ.get(WORKER_SETTINGS)
    if not payload:
        raise RuntimeError(f"{WORKER_SETTINGS} is not set: start workers with `weaviate-recsys serve --workers N`")
    # model_validate_json reads only the payload: the worker sees exactly the command's settings, not a
    # re-read of the environment.
    return serving_app(Settings.model_validate_json(payload))


def serving_app(settings: Settings) -> Any:
    """The app for a process that only serves, with what exists at start-up kept out of garbage collection.

    A full collection walks every container the process holds, and the imported libraries (FastAPI, pydantic,
    the weaviate client, numpy) are over a hundred thousand of them: about 70 ms a pass on a 2-core VM, a
    pause that lands on whichever requests are running. `gc.freeze` moves them to the permanent generation,
    so the passes walk only what requests and caches create afterwards. Not in `create_app`: an application
    embedding the service would have its own objects frozen too.
    """
    app = create_app(settings)
    gc.freeze()
    return app


def run(settings: Settings, *, host: str, port: int, workers: int = 1, log_level: str = "info") -> None:
    """Serve until interrupted: in this process when ``workers`` is 1, else in ``workers`` processes."""
    import uvicorn

    if workers <= 1:
        uvicorn.run(serving_app(settings), host=host, port=port, log_level=log_level)
        return
    from uvicorn.supervisors import Multiprocess

    os.environ[WORKER_SETTINGS] = settings_payload(settings)
    try:
        # What uvicorn.run does for workers, with one change: the shared listening socket gets TCP_NODELAY,
        # which the connections accepted from it inherit. uvicorn binds it without naming the protocol, so
        # asyncio does not set the option on those connections, and each small response then waits for the
        # client's delayed ACK (about 40 ms a request).
        config = uvicorn.Config(
            f"{__name__}:worker_app", factory=True, workers=workers, host=host, port=port, log_level=log_level
        )
        sock = config.bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass
    finally:
        os.environ.pop(WORKER_SETTINGS, None)
