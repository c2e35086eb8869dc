"""End-to-end speed of the lite server through the real weaviate-client.

For each size N (default 10k and 100k): batch import of N objects with 384-dim vectors through
``collection.batch.fixed_size`` (no embedding model: seeded random vectors and Zipf-distributed
text), then client-side latency p50/p99 of a filtered hybrid query, near_vector and bm25.
For the largest N it also restarts the server on the stored data in a fresh process and reports
the start-up time and that process's peak memory.

Usage: python benchmarks/bench_lite.py [--sizes 10000 100000] [--queries 200] [--out FILE]
Prints one JSON object (also written to --out).
"""

from __future__ import annotations

import argparse
import json
import os
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


def run(sizes: list[int], n_queries: int) -> dict[str, object]:
    import weaviate
    from weaviate.classes.config import Configure, DataType, Property, Tokenization
    from weaviate.classes.query import Filter

    import weaviate_recsys.lite as lite

    rng = np.random.default_rng(7)
    vocab = _vocabulary(rng)
    result: dict[str, object] = {"dim": DIM, "queries_per_kind": n_queries, "sizes": {}}
    for n in sizes:
        data_dir = tempfile.mkdtemp(prefix="bench-lite-")
        server = lite.start(data_dir)
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
            start = time.perf_counter()
            with coll.batch.fixed_size(batch_size=1000, concurrent_requests=2) as batch:
                for i in range(n):
                    batch.add_object(objects[i], uuid=ids[i], vector={"content": vectors[i]})
            import_s = time.perf_counter() - start
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
                "imported": count,
                "failed": failed,
                "latency": latencies,
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
        subprocess.run(["rm", "-rf", data_dir], check=False)
        result["sizes"][str(n)] = entry  # type: ignore[index]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", default=None, help="also write the JSON here")
    args = parser.parse_args()
    result = run(args.sizes, args.queries)
    text = json.dumps(result, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
