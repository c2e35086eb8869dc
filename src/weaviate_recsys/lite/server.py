"""Starting and stopping the lite server: REST and gRPC over one Database in one data directory."""

from __future__ import annotations

import atexit
import gc
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from weaviate_recsys.errors import ConfigurationError, ConnectionFailed
from weaviate_recsys.lite.auth import ApiKeys, is_loopback_host
from weaviate_recsys.lite.blas import one_blas_thread
from weaviate_recsys.lite.database import Database
from weaviate_recsys.lite.grpc_api import build_grpc_server
from weaviate_recsys.lite.limits import ServerLimits
from weaviate_recsys.lite.rest import build_http_server
from weaviate_recsys.lite.storage import Store, lock_data_dir, prepare_data_dir, store_path

if TYPE_CHECKING:
    import weaviate

__all__ = ["LiteServer", "start", "connect", "client_for", "serve"]

log = logging.getLogger(__name__)


class LiteServer:
    """A running lite server (REST + gRPC on ``host``); stop it with ``stop()`` or ``with``.

    Attributes:
        host: the interface both ports are bound to.
        http_port: the REST port (``/v1/...``).
        grpc_port: the gRPC port.
        data_dir: where the store lives (a temporary directory, removed on stop, when None was given).
        startup_seconds: how long loading the store and binding the ports took.
    """

    def __init__(
        self,
        data_dir: str | None,
        host: str,
        port: int,
        grpc_port: int,
        limits: ServerLimits | None = None,
        api_keys: Iterable[str] = (),
        autoschema: bool = True,
    ) -> None:
        started = time.perf_counter()
        self._temporary = data_dir is None
        self.data_dir = tempfile.mkdtemp(prefix="weaviate-recsys-lite-") if data_dir is None else str(data_dir)
        self.host = host
        self._stopped = False
        self._stop_lock = threading.Lock()
        self._lock_file = None
        self.db: Database | None = None
        try:
            prepare_data_dir(self.data_dir)
            self._lock_file = lock_data_dir(self.data_dir)
            self.db = Database(Store(store_path(self.data_dir)), autoschema=autoschema)
        except BaseException:
            self._cleanup()
            raise
        try:
            keys = ApiKeys(api_keys)
            self._http = build_http_server(self.db, host, port, limits=limits, api_keys=keys)
            self.http_port = int(self._http.server_address[1])
            self._grpc, self.grpc_port = build_grpc_server(self.db, host, grpc_port, limits=limits, api_keys=keys)
        except OSError as e:
            self._cleanup()
            raise ConnectionFailed(
                f"the lite server could not bind {host}:{port} / gRPC {grpc_port}: {e}. "
                "Choose free ports (0 picks any free port) or stop the process using them."
            ) from e
        except BaseException:
            self._cleanup()
            raise
        self._grpc.start()
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.2}, name="lite-http", daemon=True
        )
        self._http_thread.start()
        atexit.register(_stop_at_exit, weakref.ref(self))  # close the store cleanly if never stopped
        self.startup_seconds = time.perf_counter() - started

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    def stop(self) -> None:
        """Stop serving, close the store, and remove a temporary data directory. Idempotent."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        try:
            self._http.shutdown()
            self._http.server_close()
        except Exception:  # noqa: BLE001 - stopping must not fail half-way
            log.debug("lite HTTP shutdown failed", exc_info=True)
        try:
            self._grpc.stop(grace=0.5).wait(2)
        except Exception:  # noqa: BLE001
            log.debug("lite gRPC shutdown failed", exc_info=True)
        self._cleanup()

    def _cleanup(self) -> None:
        if self.db is not None:
            try:
                self.db.close()
            except Exception:  # noqa: BLE001
                log.debug("closing the lite store failed", exc_info=True)
            self.db = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None
        if self._temporary:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> LiteServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"LiteServer(http={self.url}, grpc_port={self.grpc_port}, data_dir={self.data_dir!r})"


def _stop_at_exit(ref: weakref.ReferenceType[LiteServer]) -> None:
    server = ref()
    if server is not None:
        server.stop()


def start(
    data_dir: str | os.PathLike[str] | None = None,
    port: int = 0,
    grpc_port: int = 0,
    host: str = "127.0.0.1",
    *,
    limits: ServerLimits | None = None,
    api_keys: Iterable[str] = (),
    autoschema: bool = True,
) -> LiteServer:
    """Start an embedded Weaviate-compatible server in this process.

    Args:
        data_dir: where to persist; None uses a temporary directory removed on stop.
        port: REST port (0 = any free port).
        grpc_port: gRPC port (0 = any free port).
        host: interface to bind; the default keeps the server private to this machine.
        limits: connection, size and time limits (`ServerLimits`; defaults when None).
        api_keys: when given, every request but the readiness probes needs one of these keys
            (``Auth.api_key(key)`` in weaviate-client).
        autoschema: create collections and properties from written objects (Weaviate's default).

    Returns:
        The running server's handle.

    Raises:
        ConnectionFailed: a port could not be bound.
        ConfigurationError: the data directory is used by another lite server, or it (or the store in it)
            is not writable.
    """
    return LiteServer(
        None if data_dir is None else os.fspath(data_dir), host, port, grpc_port, limits, api_keys, autoschema
    )


def client_for(server: Any, **client_options: Any) -> weaviate.WeaviateClient:
    """A ``weaviate.WeaviateClient`` for a running lite server (`LiteServer` or `LiteProcess`), which the caller
    closes; closing it leaves the server running.

    ``skip_init_checks`` avoids the client's PyPI version lookup (§1.1 row 7).

    Args:
        server: anything with ``host``, ``http_port`` and ``grpc_port``.
        **client_options: passed to ``weaviate.connect_to_custom`` (e.g. ``additional_config``, ``auth_credentials``).
    """
    import weaviate

    return weaviate.connect_to_custom(
        http_host=server.host,
        http_port=server.http_port,
        http_secure=False,
        grpc_host=server.host,
        grpc_port=server.grpc_port,
        grpc_secure=False,
        skip_init_checks=True,
        **client_options,
    )


def connect(
    data_dir: str | os.PathLike[str] | None = None, *, in_process: bool = True, **client_options: Any
) -> weaviate.WeaviateClient:
    """Start a lite server and return a normal ``weaviate.WeaviateClient`` bound to it.

    Closing the client (``client.close()`` or leaving ``with client:``) stops the server.

    Where the data goes differs from the CLI: with no ``data_dir`` the server keeps its collections in a
    temporary directory that is **deleted on close** (a clean store per test or notebook), while
    every ``weaviate-recsys`` command persists under ``./.weaviate-recsys`` (``Settings().data_dir``). To keep
    the data, or to open what the CLI loaded, pass the folder::

        client = weaviate_recsys.lite.connect(data_dir=".weaviate-recsys")   # the CLI's default store
        client = weaviate_recsys.lite.connect(data_dir=Settings().data_dir)  # honours WEAVIATE_RECSYS_DATA

    Args:
        data_dir: where to persist; None: a temporary directory removed when the client closes.
        in_process: False runs the server in a child process (`process.spawn`): slower to start, but
            client and server then use separate cores, which long jobs such as an evaluation need.
        **client_options: passed to ``weaviate.connect_to_custom`` (e.g. ``additional_config``).
    """
    if in_process:
        server: Any = start(data_dir)
    else:
        from .process import spawn

        server = spawn(data_dir)
    try:
        # the gRPC health check that client_for skips is done right below instead
        client = client_for(server, **client_options)
    except BaseException:
        server.stop()
        raise
    _check_grpc_health(server)
    original_close = client.close

    def close() -> None:
        try:
            original_close()
        finally:
            server.stop()

    client.close = close  # type: ignore[method-assign]
    client.lite_server = server  # type: ignore[attr-defined]
    return client


def _check_grpc_health(server: Any) -> None:
    import grpc
    from weaviate.proto.v1 import health_weaviate_pb2

    channel = grpc.insecure_channel(f"{server.host}:{server.grpc_port}")
    try:
        reply = channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=health_weaviate_pb2.WeaviateHealthCheckRequest.SerializeToString,
            response_deserializer=health_weaviate_pb2.WeaviateHealthCheckResponse.FromString,
        )(health_weaviate_pb2.WeaviateHealthCheckRequest(), timeout=5)
    except grpc.RpcError as e:
        server.stop()
        raise ConnectionFailed(f"the lite server's gRPC port did not answer its health check: {e}") from e
    finally:
        channel.close()
    if reply.status != health_weaviate_pb2.WeaviateHealthCheckResponse.SERVING:
        server.stop()
        raise ConnectionFailed("the lite server's gRPC health check did not report SERVING")


def freeze_loaded_heap() -> None:
    """In a process that only serves: keep the loaded store out of the cyclic garbage collector's passes.

    A loaded store is millions of long-lived containers (postings, property dicts, records), and every full
    collection walked all of them while writes were allocating: `gc.freeze` moves what exists now to the
    permanent generation (still freed by reference counting once deleted). amazon-office, profile writes
    (18,580 UserInterest objects replaced through the client): 3.62-3.65 s -> 3.00-3.30 s. Not for the
    embedded in-process server: it would freeze the application's objects too.
    """
    gc.freeze()


def check_exposure(host: str, api_keys: Iterable[str], insecure: bool) -> None:
    """Refuse to serve other machines without a key, unless the caller explicitly accepts the risk."""
    if is_loopback_host(host) or any(api_keys) or insecure:
        return
    raise ConfigurationError(
        f"refusing to listen on {host} without an API key: anyone who can reach this address could read and "
        "change the data. Set --api-key (or AUTHENTICATION_APIKEY_ALLOWED_KEYS), listen on 127.0.0.1, "
        "or pass --insecure to serve without authentication anyway"
    )


def serve(
    data_dir: str | os.PathLike[str] | None,
    host: str = "127.0.0.1",
    port: int = 8080,
    grpc_port: int = 50051,
    on_ready: Callable[[LiteServer], None] | None = None,
    *,
    api_keys: Iterable[str] = (),
    insecure: bool = False,
    limits: ServerLimits | None = None,
    autoschema: bool = True,
) -> None:
    """Run a lite server until interrupted (Ctrl-C or SIGTERM), for ``weaviate-recsys lite serve``.

    Args:
        data_dir: where to persist (None: a temporary directory, gone when the server stops).
        host, port, grpc_port: where to listen; ``weaviate.connect_to_local()`` expects 8080/50051.
        on_ready: called once with the running server (the CLI prints where it listens).
        api_keys: keys clients must send (see `start`).
        insecure: allow a non-loopback ``host`` without API keys (anyone who reaches the port can read
            and change the data).
        limits: see `start`.
        autoschema: create collections and properties from written objects (Weaviate's default).

    Raises:
        ConfigurationError: ``host`` is reachable from other machines, no API key is set and
            ``insecure`` is False.

    The process becomes a server process: BLAS is limited to one thread (see `lite.blas`), from the
    main thread, before any query runs, and the loaded store is frozen out of GC passes (`freeze_loaded_heap`).
    """
    api_keys = list(api_keys)
    check_exposure(host, api_keys, insecure)
    main = threading.current_thread() is threading.main_thread()
    if main:
        one_blas_thread()
    server = start(
        data_dir, port=port, grpc_port=grpc_port, host=host, limits=limits, api_keys=api_keys, autoschema=autoschema
    )
    if main:
        freeze_loaded_heap()
    stop_event = threading.Event()

    def _on_signal(signum: int, frame: Any) -> None:
        stop_event.set()

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_signal)
    try:
        if on_ready is not None:
            on_ready(server)
        while not stop_event.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
