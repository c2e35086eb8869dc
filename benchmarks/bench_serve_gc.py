"""Garbage-collection pauses and memory of a serving process as it serves more and more users.

A full collection walks every container a process holds, and it runs while requests are being answered, so its
length is a pause that lands on them. The service app is built here as `weaviate-recsys serve` builds it (the
start-up heap frozen out of collections) and asked, in this process, for `GET /users/{id}/recommendations?k=10`
for ``--users`` different users in rounds of ``--round``; after each round one full collection is timed and
the peak resident memory read. The lite server runs in its own process with amazon-office loaded (the same
set-up as bench_serve.py, shared through ``--cache``). A cache that keeps users it should have let go shows as
pauses and memory that grow round after round.

Usage: python benchmarks/bench_serve_gc.py [--users 960] [--round 320] [--embedder minilm|hashing] [--cache DIR]
       [--out FILE]
Prints one JSON object (also written to --out).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_recommend import DEFAULT_DATA, _emit  # noqa: E402
from bench_serve import amazon_office_store  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="amazon-office directory")
    parser.add_argument("--users", type=int, default=960, help="different users asked, in all")
    parser.add_argument("--round", type=int, default=320, help="users between two timed collections")
    parser.add_argument("--embedder", choices=["minilm", "hashing"], default="minilm")
    parser.add_argument("--cache", type=Path, default=None, help="lite data dir kept between runs")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--embed-cache", type=Path, default=HERE.parent / "bench-results" / "embed-cache-minilm.npz")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from weaviate_recsys.serve.workers import serving_app

    server, settings, setup = amazon_office_store(args.data, args.cache, args.embedder, args.embed_cache)
    result: dict[str, object] = {"dataset": str(args.data), "embedder": args.embedder, "setup": setup}
    try:
        served = settings.model_copy(
            update={"url": f"http://{server.host}:{server.http_port}", "grpc_port": server.grpc_port}
        )
        user_ids = sorted(
            {json.loads(line)["user_id"] for line in (args.data / "interactions.jsonl").read_text().splitlines()}
        )
        app = serving_app(served)
        rounds = []

        def measure(users_served: int, seconds: float) -> None:
            t = time.perf_counter()
            gc.collect()
            rounds.append(
                {
                    "users_served": users_served,
                    "round_s": round(seconds, 1),
                    "full_collection_ms": round(1000 * (time.perf_counter() - t), 1),
                    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                    "cached_users": len(app.state.recsys.cached_users()),
                }
            )

        with TestClient(app) as http:
            t0 = time.perf_counter()
            http.get(f"/users/{user_ids[0]}/recommendations", params={"k": 10}).raise_for_status()
            measure(1, time.perf_counter() - t0)  # started: what the first request created
            for start in range(1, min(args.users, len(user_ids) - 1) + 1, args.round):
                t0 = time.perf_counter()
                for u in user_ids[start : start + args.round]:
                    http.get(f"/users/{u}/recommendations", params={"k": 10}).raise_for_status()
                measure(min(start + args.round - 1, len(user_ids) - 1) + 1, time.perf_counter() - t0)
        result.update(
            {
                "cache_seconds": served.serve_cache_seconds,
                "rounds": rounds,
                "cpu_count": os.cpu_count(),
                "load_average_1min": round(os.getloadavg()[0], 2),
            }
        )
    finally:
        server.stop()
    _emit(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
