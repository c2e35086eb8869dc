"""A lite server in a child process: the client and the server then run on separate cores.

In one process the server's query threads and the application share one interpreter lock; a
deployment runs Weaviate as its own process, and long jobs (an evaluation over thousands of users)
run about twice as fast on two cores that way. The child stops when the parent closes its pipe, so it
never outlives the process that started it, even after a crash.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from typing import Any

from ..errors import ConnectionFailed

__all__ = ["LiteProcess", "spawn"]

_READY_TIMEOUT_S = 120.0


class LiteProcess:
    """Handle on a lite server running in a child process (``host``, ``http_port``, ``grpc_port``)."""

    def __init__(self, proc: subprocess.Popen[str], host: str, http_port: int, grpc_port: int) -> None:
        self.proc = proc
        self.host = host
        self.http_port = http_port
        self.grpc_port = grpc_port

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the child (it flushes its store first); idempotent."""
        if self.proc.poll() is None:
            try:
                if self.proc.stdin is not None:
                    self.proc.stdin.close()  # the child's signal to stop
            except OSError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def spawn(data_dir: str | os.PathLike[str] | None = None, host: str = "127.0.0.1") -> LiteProcess:
    """Start a lite server in a child process on free ports and wait until it serves.

    Args:
        data_dir: where to persist; None: a temporary directory the child removes when it stops.
        host: interface to bind.

    Raises:
        ConnectionFailed: the child did not start (its error output is in the message).
    """
    args = [sys.executable, "-m", "weaviate_recsys.lite.process", host]
    if data_dir is not None:
        args.append(os.fspath(data_dir))
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline() if proc.stdout else ""), daemon=True)
    reader.start()
    reader.join(_READY_TIMEOUT_S)
    try:
        ports = json.loads(line[0]) if line and line[0] else None
    except ValueError:
        ports = None
    if not ports:
        proc.kill()
        _, err = proc.communicate()
        detail = (err or "").strip().splitlines()[-1:] or ["no output"]
        raise ConnectionFailed(f"the lite server child process did not start: {detail[0]}")
    return LiteProcess(proc, host, int(ports["http_port"]), int(ports["grpc_port"]))


def _child_main(argv: list[str]) -> int:
    """Serve until stdin closes (the parent stopped or died) or SIGTERM."""
    import signal

    from .blas import one_blas_thread
    from .server import freeze_loaded_heap, start

    one_blas_thread()  # this process only serves: see lite.blas
    host = argv[0] if argv else "127.0.0.1"
    data_dir = argv[1] if len(argv) > 1 else None
    server = start(data_dir, port=0, grpc_port=0, host=host)
    freeze_loaded_heap()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def watch_stdin() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    sys.stdout.write(json.dumps({"http_port": server.http_port, "grpc_port": server.grpc_port}) + "\n")
    sys.stdout.flush()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


def _main() -> Any:  # pragma: no cover - runs in the child
    raise SystemExit(_child_main(sys.argv[1:]))


if __name__ == "__main__":  # pragma: no cover
    _main()
