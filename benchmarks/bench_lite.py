"""End-to-end speed of the lite server through the real weaviate-client.

For each size N (default 10k and 100k): import of N objects with 384-dim vectors (no embedding model:
seeded random vectors and Zipf-distributed text) through the client's two batch interfaces, then
client-side latency p50/p99 of a filtered hybrid query, near_vector and bm25 on the imported objects.

- ``data.insert_many``: one gRPC BatchObjects request per call, ``--request-size`` objects each, two
  requests in flight (the pipelining the project's loaders use); these objects are the ones queried.
- ``batch.fixed_size`` (the context-manager batcher, batches of 1000, two in flight), into a second
  server of its own. The batcher validates every object with pydantic, vectors float by float, and its
  ceiling on this machine is measured too: the same import against a gRPC server that stores nothing.
For the largest N it also restarts the server on the stored data in a fresh process and reports
the start-up time and that process's peak memory.

``--server process`` (default) runs the server as ``weaviate-recsys lite serve`` in its own process,
as a deployment would; ``--server inprocess`` uses ``weaviate_recsys.lite.start`` in the benchmark
process, so the client and the server share one interpreter (GIL). Both report the client's and
(in process mode) the server's CPU seconds per imported object, which says where the time goes.

Usage: python benchmarks/bench_lite.py [--sizes 10000 100000] [--queries 200] [--server process|inprocess]
       [--request-size 250] [--ceiling-objects 20000] [--out FILE]
Prints one JSON object (also written to --out).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from types import SimpleNamespace

import numpy as np

DIM = 384
CATEGORIES = [f"category-{i}" for i in range(20)]

_STARTUP_PROBE = r"""
import json, resource, sys, time
t = time.perf_counter()
import weaviate_recsys.lite as lite
imported = time.perf_counter()
server = lite.start(sys.argv[1])
ready = time.perf_counter()
count = sum(len(c) for c in server.db.collections.values())
server.stop()
print(json.dumps({"startup_s": round(ready - imported, 3), "import_s": round(imported - t, 3),
                  "objects": count,
                  "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def _percentiles(samples: list[float]) -> dict[str, float]:
    arr = np.asarray(samples) * 1000.0
    return {"p50_ms": round(float(np.percentile(arr, 50)), 2), "p99_ms": round(float(np.percentile(arr, 99)), 2)}


def _vocabulary(rng: np.random.Generator, size: int = 5000) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return ["".join(rng.choice(letters, size=int(rng.integers(3, 10)))) for _ in range(size)]


def _texts(rng: np.random.Generator, vocab: list[str], n: int, length: tuple[int, int]) -> list[str]:
    ranks = np.minimum(rng.zipf(1.2, size=n * length[1]), len(vocab)) - 1
    out, pos = [], 0
    for _ in range(n):
        k = int(rng.integers(length[0], length[1] + 1))
        out.append(" ".join(vocab[r] for r in ranks[pos : pos + k]))
        pos += k
    return out


def _schema():  # type: ignore[no-untyped-def]
    from weaviate.classes.config import Configure, DataType, Property, Tokenization

    return dict(
        properties=[
            Property(name="title", data_type=DataType.TEXT),
            Property(name="body", data_type=DataType.TEXT),
            Property(name="category", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
            Property(name="price", data_type=DataType.NUMBER),
            Property(name="year", data_type=DataType.INT),
        ],
        vector_config=[Configure.Vectors.self_provided(name="content")],
    )


def _insert_many(coll, objects, ids, vectors, request_size: int, in_flight: int = 2) -> int:  # type: ignore[no-untyped-def]
    """``data.insert_many`` requests of ``request_size`` objects, ``in_flight`` at a time; returns errors."""
    from concurrent.futures import ThreadPoolExecutor

    from weaviate.classes.data import DataObject

    errors = 0
    pending = []
    with ThreadPoolExecutor(in_flight) as pool:
        for start in range(0, len(objects), request_size):
            chunk = [
                DataObject(properties=objects[i], uuid=ids[i], vector={"content": vectors[i]})
                for i in range(start, min(len(objects), start + request_size))
            ]
            pending.append(pool.submit(coll.data.insert_many, chunk))
            if len(pending) > in_flight:
                errors += len(pending.pop(0).result().errors)
        for f in pending:
            errors += len(f.result().errors)
    return errors


def _fixed_size(coll, objects, ids, vectors) -> None:  # type: ignore[no-untyped-def]
    with coll.batch.fixed_size(batch_size=1000, concurrent_requests=2) as batch:
        for i in range(len(objects)):
            batch.add_object(objects[i], uuid=ids[i], vector={"content": vectors[i]})


def _null_grpc_server(ports) -> None:  # type: ignore[no-untyped-def]
    """A Weaviate gRPC endpoint that accepts every batch and stores nothing (child process)."""
    from concurrent.futures import ThreadPoolExecutor

    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc
    from weaviate.proto.v1 import batch_pb2, weaviate_pb2_grpc

    class Accept(weaviate_pb2_grpc.WeaviateServicer):
        def BatchObjects(self, request, context):  # type: ignore[no-untyped-def]
            return batch_pb2.BatchObjectsReply(took=0.0)

    server = grpc.server(ThreadPoolExecutor(4), options=[("grpc.max_receive_message_length", 1 << 30)])
    weaviate_pb2_grpc.add_WeaviateServicer_to_server(Accept(), server)
    status = health.HealthServicer()
    status.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(status, server)
    ports.put(server.add_insecure_port("127.0.0.1:0"))
    server.start()
    server.wait_for_termination()


def client_batcher_ceiling(n: int) -> dict[str, float]:
    """Objects/s of ``batch.fixed_size`` when the server costs nothing: the client's own limit here."""
    import multiprocessing as mp

    import weaviate_recsys.lite as lite

    rng = np.random.default_rng(11)
    vocab = _vocabulary(rng)
    titles, bodies = _texts(rng, vocab, n, (3, 8)), _texts(rng, vocab, n, (10, 30))
    objects = [
        {"title": titles[i], "body": bodies[i], "category": CATEGORIES[i % 20], "price": 1.0, "year": 2000}
        for i in range(n)
    ]
    ids = [str(uuid.UUID(int=i + 1)) for i in range(n)]
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    spawn = mp.get_context("spawn")  # a fresh interpreter: no inherited gRPC state
    ports = spawn.Queue()
    child = spawn.Process(target=_null_grpc_server, args=(ports,), daemon=True)
    child.start()
    rest = lite.start()  # REST only (schema); every batch goes to the null gRPC server
    try:
        # REST of the lite server (schema), gRPC of the null server (batches)
        client = lite.client_for(
            SimpleNamespace(host="127.0.0.1", http_port=rest.http_port, grpc_port=ports.get(timeout=60))
        )
        try:
            coll = client.collections.get("Item")
            start, cpu0 = time.perf_counter(), time.process_time()
            _fixed_size(coll, objects, ids, vectors)
            seconds = time.perf_counter() - start
            return {
                "objects": n,
                "objects_per_s": round(n / seconds, 1),
                "client_cpu_us_per_object": round((time.process_time() - cpu0) / n * 1e6, 1),
            }
        finally:
            client.close()
    finally:
        rest.stop()
        child.terminate()


class _ServerProcess:
    """``weaviate-recsys lite serve`` in a child process (what ``connect_to_local`` users run)."""

    def __init__(self, data_dir: str) -> None:
        import socket

        ports = []
        for _ in range(2):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                ports.append(int(s.getsockname()[1]))
        self.host, self.http_port, self.grpc_port = "127.0.0.1", ports[0], ports[1]
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from weaviate_recsys.cli import main; main()",
                "lite",
                "serve",
                "--data-dir",
                data_dir,
                "--port",
                str(ports[0]),
                "--grpc-port",
                str(ports[1]),
            ],
            stderr=subprocess.DEVNULL,
        )
        import httpx

        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{ports[0]}/v1/.well-known/ready", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError("the lite server process did not become ready")

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)


def _start(server_mode: str, data_dir: str):  # type: ignore[no-untyped-def]
    import weaviate_recsys.lite as lite

    return _ServerProcess(data_dir) if server_mode == "process" else lite.start(data_dir)


def _client(server):  # type: ignore[no-untyped-def]
    import weaviate_recsys.lite as lite

    return lite.client_for(server)


def _cpu(server, server_mode: str) -> float | None:  # type: ignore[no-untyped-def]
    return server.cpu_seconds() if server_mode == "process" else None


def _rates(n: int, seconds: float, client_cpu: float, server_cpu: float | None) -> dict[str, object]:
    return {
        "objects_per_s": round(n / seconds, 1),
        "seconds": round(seconds, 2),
        "cpu_us_per_object": {
            "client_process": round(client_cpu / n * 1e6, 1),
            "server_process": None if server_cpu is None else round(server_cpu / n * 1e6, 1),
        },
    }


def _import_with_batcher(server_mode: str, objects, ids, vectors) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """``batch.fixed_size`` into a server of its own (its objects are not queried)."""
    data_dir = tempfile.mkdtemp(prefix="bench-lite-batcher-")
    server = _start(server_mode, data_dir)
    try:
        client = _client(server)
        try:
            coll = client.collections.create("Item", **_schema())
            server_cpu0 = _cpu(server, server_mode)
            start, cpu0 = time.perf_counter(), time.process_time()
            _fixed_size(coll, objects, ids, vectors)
            seconds, client_cpu = time.perf_counter() - start, time.process_time() - cpu0
            server_cpu = None if server_cpu0 is None else _cpu(server, server_mode) - server_cpu0  # type: ignore[operator]
            out = _rates(len(objects), seconds, client_cpu, server_cpu)
            out["failed"] = len(coll.batch.failed_objects)
            out["imported"] = coll.aggregate.over_all(total_count=True).total_count
            return out
        finally:
            client.close()
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def run(
    sizes: list[int],
    n_queries: int,
    server_mode: str = "process",
    keep: str | None = None,
    request_size: int = 250,
    ceiling_objects: int = 20_000,
) -> dict[str, object]:
    from weaviate.classes.query import Filter

    rng = np.random.default_rng(7)
    vocab = _vocabulary(rng)
    result: dict[str, object] = {
        "dim": DIM,
        "queries_per_kind": n_queries,
        "server": server_mode,
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "insert_many_request_size": request_size,
        "sizes": {},
    }
    for n in sizes:
        titles = _texts(rng, vocab, n, (3, 8))
        bodies = _texts(rng, vocab, n, (10, 30))
        cats = rng.integers(0, len(CATEGORIES), size=n)
        prices = rng.uniform(1, 500, size=n).round(2)
        years = rng.integers(1990, 2025, size=n)
        vectors = rng.standard_normal((n, DIM)).astype(np.float32)
        objects = [
            {
                "title": titles[i],
                "body": bodies[i],
                "category": CATEGORIES[cats[i]],
                "price": float(prices[i]),
                "year": int(years[i]),
            }
            for i in range(n)
        ]
        ids = [str(uuid.UUID(int=i + 1)) for i in range(n)]
        batcher = _import_with_batcher(server_mode, objects, ids, vectors)

        data_dir = tempfile.mkdtemp(prefix="bench-lite-")
        server = _start(server_mode, data_dir)
        client = _client(server)
        try:
            coll = client.collections.create("Item", **_schema())
            server_cpu0 = _cpu(server, server_mode)
            start, cpu0 = time.perf_counter(), time.process_time()
            errors = _insert_many(coll, objects, ids, vectors, request_size)
            seconds, client_cpu = time.perf_counter() - start, time.process_time() - cpu0
            server_cpu = None if server_cpu0 is None else _cpu(server, server_mode) - server_cpu0  # type: ignore[operator]
            insert_many = _rates(n, seconds, client_cpu, server_cpu)
            insert_many["failed"] = errors
            count = coll.aggregate.over_all(total_count=True).total_count
            insert_many["imported"] = count

            qv = rng.standard_normal((n_queries, DIM)).astype(np.float32)
            qt = _texts(rng, vocab, n_queries, (2, 4))
            qc = rng.integers(0, len(CATEGORIES), size=n_queries)

            def timed(fn) -> dict[str, float]:
                fn(0)
                samples = []
                for i in range(n_queries):
                    t = time.perf_counter()
                    fn(i)
                    samples.append(time.perf_counter() - t)
                return _percentiles(samples)

            latencies = {
                "hybrid_filtered": timed(
                    lambda i: coll.query.hybrid(
                        qt[i],
                        vector=qv[i],
                        target_vector="content",
                        limit=10,
                        filters=Filter.by_property("category").equal(CATEGORIES[qc[i]])
                        & Filter.by_property("price").less_than(400.0),
                    )
                ),
                "hybrid": timed(lambda i: coll.query.hybrid(qt[i], vector=qv[i], target_vector="content", limit=10)),
                "near_vector": timed(lambda i: coll.query.near_vector(qv[i], target_vector="content", limit=10)),
                "near_vector_filtered": timed(
                    lambda i: coll.query.near_vector(
                        qv[i],
                        target_vector="content",
                        limit=10,
                        filters=Filter.by_property("category").equal(CATEGORIES[qc[i]]),
                    )
                ),
                "bm25": timed(lambda i: coll.query.bm25(qt[i], limit=10)),
            }
            entry: dict[str, object] = {
                "import_insert_many": insert_many,
                "import_batch_fixed_size": batcher,
                "latency": latencies,
                "load_average_after_queries": os.getloadavg(),  # shared machine: read numbers with it
            }
        finally:
            client.close()
            server.stop()
        if n == max(sizes):
            probe = subprocess.run(
                [sys.executable, "-c", _STARTUP_PROBE, data_dir], capture_output=True, text=True, check=True
            )
            entry["restart"] = json.loads(probe.stdout)
            entry["store_mib"] = round(
                sum(os.path.getsize(os.path.join(data_dir, f)) for f in os.listdir(data_dir)) / 2**20, 1
            )
        if keep and n == max(sizes):
            shutil.rmtree(keep, ignore_errors=True)
            shutil.move(data_dir, keep)  # for profiling start-up: python -m cProfile ... lite.start(keep)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
        result["sizes"][str(n)] = entry  # type: ignore[index]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--server", choices=["process", "inprocess"], default="process")
    parser.add_argument("--out", default=None, help="also write the JSON here")
    parser.add_argument("--request-size", type=int, default=250, help="objects per data.insert_many request")
    parser.add_argument(
        "--ceiling-objects",
        type=int,
        default=20_000,
        help="objects for the batch.fixed_size ceiling against a null server (0: skip)",
    )
    parser.add_argument("--keep", default=None, help="keep the largest size's data directory here")
    args = parser.parse_args()
    result = run(args.sizes, args.queries, args.server, args.keep, args.request_size)
    if args.ceiling_objects > 0:
        result["batch_fixed_size_client_ceiling"] = client_batcher_ceiling(args.ceiling_objects)
    best = max(v["import_insert_many"]["objects_per_s"] for v in result["sizes"].values())  # type: ignore[index, union-attr]
    result["target"] = {"import_objects_per_s": 5000, "met_by_insert_many": bool(best >= 5000)}
    text = json.dumps(result, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
