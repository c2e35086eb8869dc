"""End-to-end speed of the lite server through the real weaviate-client.

For each size N (default 10k and 100k): batch import of N objects with 384-dim vectors through
``collection.batch.fixed_size`` (no embedding model: seeded random vectors and Zipf-distributed
text), then client-side latency p50/p99 of a filtered hybrid query, near_vector and bm25.
For the largest N it also restarts the server on the stored data in a fresh process and reports
the start-up time and that process's peak memory.

``--server process`` (default) runs the server as ``weaviate-recsys lite serve`` in its own process,
as a deployment would; ``--server inprocess`` uses ``weaviate_recsys.lite.start`` in the benchmark
process, so the client and the server share one interpreter (GIL). Both report the client's and
(in process mode) the server's CPU seconds per imported object, which says where the time goes.

Usage: python benchmarks/bench_lite.py [--sizes 10000 100000] [--queries 200] [--server process|inprocess]
       [--out FILE]
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
            [sys.executable, "-c", "from weaviate_recsys.cli import main; main()", "lite", "serve",
             "--data-dir", data_dir, "--port", str(ports[0]), "--grpc-port", str(ports[1])],
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


def run(sizes: list[int], n_queries: int, server_mode: str = "process", keep: str | None = None) -> dict[str, object]:
    import weaviate
    from weaviate.classes.config import Configure, DataType, Property, Tokenization
    from weaviate.classes.query import Filter

    import weaviate_recsys.lite as lite

    rng = np.random.default_rng(7)
    vocab = _vocabulary(rng)
    result: dict[str, object] = {"dim": DIM, "queries_per_kind": n_queries, "server": server_mode,
                                 "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(), "sizes": {}}
    for n in sizes:
        data_dir = tempfile.mkdtemp(prefix="bench-lite-")
        server = _ServerProcess(data_dir) if server_mode == "process" else lite.start(data_dir)
        client = weaviate.connect_to_custom(
            http_host=server.host, http_port=server.http_port, http_secure=False,
            grpc_host=server.host, grpc_port=server.grpc_port, grpc_secure=False, skip_init_checks=True,
        )
        try:
            coll = client.collections.create(
                "Item",
                properties=[
                    Property(name="title", data_type=DataType.TEXT),
                    Property(name="body", data_type=DataType.TEXT),
                    Property(name="category", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
                    Property(name="price", data_type=DataType.NUMBER),
                    Property(name="year", data_type=DataType.INT),
                ],
                vector_config=[Configure.Vectors.self_provided(name="content")],
            )
            titles = _texts(rng, vocab, n, (3, 8))
            bodies = _texts(rng, vocab, n, (10, 30))
            cats = rng.integers(0, len(CATEGORIES), size=n)
            prices = rng.uniform(1, 500, size=n).round(2)
            years = rng.integers(1990, 2025, size=n)
            vectors = rng.standard_normal((n, DIM)).astype(np.float32)
            objects = [
                {"title": titles[i], "body": bodies[i], "category": CATEGORIES[cats[i]],
                 "price": float(prices[i]), "year": int(years[i])}
                for i in range(n)
            ]
            ids = [str(uuid.UUID(int=i + 1)) for i in range(n)]
            server_cpu0 = server.cpu_seconds() if server_mode == "process" else 0.0
            start, cpu0 = time.perf_counter(), time.process_time()
            with coll.batch.fixed_size(batch_size=1000, concurrent_requests=2) as batch:
                for i in range(n):
                    batch.add_object(objects[i], uuid=ids[i], vector={"content": vectors[i]})
            import_s = time.perf_counter() - start
            client_cpu = time.process_time() - cpu0
            server_cpu = (server.cpu_seconds() - server_cpu0) if server_mode == "process" else None
            failed = len(coll.batch.failed_objects)
            count = coll.aggregate.over_all(total_count=True).total_count

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
                "hybrid_filtered": timed(lambda i: coll.query.hybrid(
                    qt[i], vector=qv[i], target_vector="content", limit=10,
                    filters=Filter.by_property("category").equal(CATEGORIES[qc[i]])
                    & Filter.by_property("price").less_than(400.0),
                )),
                "hybrid": timed(lambda i: coll.query.hybrid(qt[i], vector=qv[i], target_vector="content", limit=10)),
                "near_vector": timed(lambda i: coll.query.near_vector(qv[i], target_vector="content", limit=10)),
                "near_vector_filtered": timed(lambda i: coll.query.near_vector(
                    qv[i], target_vector="content", limit=10,
                    filters=Filter.by_property("category").equal(CATEGORIES[qc[i]]))),
                "bm25": timed(lambda i: coll.query.bm25(qt[i], limit=10)),
            }
            entry: dict[str, object] = {
                "import_objects_per_s": round(n / import_s, 1),
                "import_seconds": round(import_s, 2),
                "import_cpu_us_per_object": {
                    "client_process": round(client_cpu / n * 1e6, 1),
                    "server_process": None if server_cpu is None else round(server_cpu / n * 1e6, 1),
                },
                "imported": count,
                "failed": failed,
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
    parser.add_argument("--keep", default=None, help="keep the largest size's data directory here")
    args = parser.parse_args()
    result = run(args.sizes, args.queries, args.server, args.keep)
    text = json.dumps(result, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
