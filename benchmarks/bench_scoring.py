"""Latency of the lite server's scoring engines, without networking.

Builds an InvertedIndex (title + body, Zipf vocabulary) and a 384-dim cosine VectorIndex over N
synthetic documents, then times BM25, vector search, multi-target search and the hybrid core
(keyword leg + vector leg + relativeScore fusion, pool 100) with and without a filter.

Usage: python benchmarks/bench_scoring.py [--n 100000] [--queries 200] [--out results.json]
Prints one JSON object: build times and p50/p99 latencies in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid

import numpy as np

from weaviate_recsys.lite.bm25 import InvertedIndex
from weaviate_recsys.lite.fusion import relative_score_fusion
from weaviate_recsys.lite.vectors import VectorIndex, multi_target_search

DIM = 384
POOL = 100


def _percentiles(samples: list[float], cpu: list[float]) -> dict[str, float]:
    arr, cpu_arr = np.array(samples) * 1000.0, np.array(cpu) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(arr, 50)), 3),
        "p99_ms": round(float(np.percentile(arr, 99)), 3),
        # CPU time of the process (all BLAS threads): robust when other jobs share the cores
        "cpu_p50_ms": round(float(np.percentile(cpu_arr, 50)), 3),
    }


def _timed(fn, queries) -> dict[str, float]:
    fn(queries[0])  # warm caches
    samples, cpu = [], []
    for q in queries:
        start, cpu_start = time.perf_counter(), time.process_time()
        fn(q)
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
    return _percentiles(samples, cpu)


def run(n: int, n_queries: int, seed: int = 0) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(20000)])
    zipf = 1.0 / np.arange(1, len(vocab) + 1)
    zipf /= zipf.sum()
    uuids = [str(uuid.UUID(bytes=rng.bytes(16))) for _ in range(n + 1)]
    uuid_of = uuids.__getitem__

    title_words = rng.choice(len(vocab), size=(n, 8), p=zipf)
    body_words = rng.choice(len(vocab), size=(n, 40), p=zipf)
    inverted = InvertedIndex(uuid_of=uuid_of)
    inverted.set_property("title", "word")
    inverted.set_property("body", "word")
    start = time.perf_counter()
    for doc in range(n):
        inverted.add(doc, {"title": " ".join(vocab[title_words[doc]]), "body": " ".join(vocab[body_words[doc]])})
    bm25_build = time.perf_counter() - start

    vectors = rng.normal(size=(n, DIM)).astype(np.float32)
    content, behavior = VectorIndex("cosine"), VectorIndex("cosine")
    start = time.perf_counter()
    for doc in range(n):
        content.add(doc, vectors[doc])
    vector_build = time.perf_counter() - start
    for doc in range(0, n, 2):  # half the docs have a second named vector
        behavior.add(doc, vectors[(doc * 7) % n])

    # queries: 2-3 terms drawn from the head and the middle of the vocabulary
    text_queries = [
        " ".join(vocab[rng.choice(np.arange(10, 2000), size=int(rng.integers(2, 4)))]) for _ in range(n_queries)
    ]
    vec_queries = [rng.normal(size=DIM).astype(np.float32) for _ in range(n_queries)]
    half = rng.random(n) < 0.5
    tenth = rng.random(n) < 0.1

    def hybrid(i: int, allow) -> None:
        kw = inverted.search(text_queries[i], None, POOL, allow=allow)
        vec = content.search(vec_queries[i], POOL, allow=allow)
        sets = [
            ("vector,hybridVector", 0.75, [(d, float(np.float32(1) - np.float32(x))) for d, x in vec]),
            ("keyword,bm25", 0.25, [(h.doc, h.score) for h in kw]),
        ]
        relative_score_fusion(sets, uuid_of)[:10]

    idx = list(range(n_queries))
    # a query right after a write: posting arrays are updated in place, norms recomputed
    inverted.search("w1 w2 w3 w4", None, POOL)
    inverted.add(n, {"title": "w1 w2 w3", "body": "w4"})
    start = time.perf_counter()
    inverted.search("w1 w2 w3 w4", None, POOL)
    after_write = time.perf_counter() - start
    inverted.remove(n)
    # first query of never-queried frequent terms: posting arrays built from the dicts
    start = time.perf_counter()
    inverted.search("w0 w5 w6 w7", None, POOL)
    cold = time.perf_counter() - start
    results = {
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpu_count": os.cpu_count(),
        "n_docs": n,
        "dim": DIM,
        "build_s": {"bm25_add": round(bm25_build, 2), "vector_add": round(vector_build, 2)},
        "bm25_add_docs_per_s": round(n / bm25_build),
        "bm25_query_after_write_ms": round(after_write * 1000, 3),
        "bm25_first_query_of_frequent_terms_ms": round(cold * 1000, 3),
        "bm25_limit100": _timed(lambda i: inverted.search(text_queries[i], None, POOL), idx),
        "bm25_limit100_filter50": _timed(lambda i: inverted.search(text_queries[i], None, POOL, allow=half), idx),
        "vector_limit100": _timed(lambda i: content.search(vec_queries[i], POOL), idx),
        "vector_limit100_filter50": _timed(lambda i: content.search(vec_queries[i], POOL, allow=half), idx),
        "vector_limit100_filter10": _timed(lambda i: content.search(vec_queries[i], POOL, allow=tenth), idx),
        "multi_target_sum_k100": _timed(
            lambda i: multi_target_search(
                {"content": content, "behavior": behavior},
                [("content", vec_queries[i], 1.0), ("behavior", vec_queries[i], 1.0)],
                "sum",
                POOL,
                uuid_of=uuid_of,
            ),
            idx,
        ),
        "hybrid_core": _timed(lambda i: hybrid(i, None), idx),
        "hybrid_core_filter50": _timed(lambda i: hybrid(i, half), idx),
        "hybrid_core_filter10": _timed(lambda i: hybrid(i, tenth), idx),
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=str, default=None)
    args = parser.parse_args()
    results = run(args.n, args.queries)
    text = json.dumps(results, indent=2)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
