"""Latency of `Recommender.recommend(k=10)` on the lite server with amazon-office loaded and profiles built.

Target: p50 <= 30 ms and p99 <= 80 ms for users with up to 5 domains.

Steps: load amazon-office items (second category level as domain) and interactions with the project loaders,
train the interest model and the behaviour vectors (the defaults `make demo` uses), build every profile, then
time ``recommend(user, k=10)`` end to end through the real weaviate-client (profile read, seen-items read, one
hybrid query per domain, fusion, reasons) for a seeded sample of users. The lite server runs in its own
process, as a deployed Weaviate does (``--in-process`` for the embedded mode), and the server's CPU per call
is reported next to the application's: this machine's wall times follow its load, CPU times much less.
``--cache DIR`` keeps the loaded server data so later runs skip the set-up.

Usage: python benchmarks/bench_recommend.py [--users 300] [--embedder minilm|hashing] [--cache DIR]
       [--in-process] [--out FILE]
Prints one JSON object (also written to --out).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "datasets" / "amazon-office"
PREFIX = "BenchRec"


def _emit(result: dict[str, Any], out: Path | None) -> None:
    """The benchmark's result as indented JSON on stdout, and in ``out`` when given."""
    text = json.dumps(result, indent=2)
    if out:
        out.write_text(text)
    print(text)


def _percentiles(samples: list[float]) -> dict[str, float]:
    arr = np.asarray(samples) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(arr, 50)), 2),
        "p90_ms": round(float(np.percentile(arr, 90)), 2),
        "p99_ms": round(float(np.percentile(arr, 99)), 2),
        "mean_ms": round(float(arr.mean()), 2),
        "max_ms": round(float(arr.max()), 2),
    }


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of another process so far, from /proc (Linux)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def store_fingerprint(settings: Any) -> str:
    """What builds a benchmark store: the package's source and the settings. Written into the ``--cache``
    marker, so a run on a store built by other code (other profiles, another number of queries a list) says so."""
    import hashlib

    import weaviate_recsys

    digest = hashlib.sha256()
    root = Path(weaviate_recsys.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    digest.update(settings.model_dump_json(exclude={"data_dir"}).encode())
    return digest.hexdigest()[:16]


def reused_store(marker: Path, fingerprint: str) -> str:
    """The ``setup`` entry of a run on a cached store, warning on stderr when other code or settings built it."""
    built_by = marker.read_text().strip()
    if built_by == fingerprint:
        return f"reused {marker.parent} (built by this code, {fingerprint})"
    print(
        f"warning: {marker.parent} was built by other code or settings ({built_by or 'unknown'}, this code is "
        f"{fingerprint}): its profiles and queries may differ from this code's; delete it to rebuild",
        file=sys.stderr,
    )
    return f"reused {marker.parent} (built by other code or settings: {built_by}, this code is {fingerprint})"


def _setup(client, settings, data: Path, embedder) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from weaviate_recsys.loaders import load_interactions, load_items
    from weaviate_recsys.plugin import build_profiles, train_domains
    from weaviate_recsys.plugin.behavior import train_behavior
    from weaviate_recsys.schema import register_schema

    times: dict[str, float] = {}
    t = time.perf_counter()
    register_schema(client, prefix=settings.prefix)
    res = load_items(client, [data / "items.jsonl"], settings, embedder)
    times["load_items_s"] = round(time.perf_counter() - t, 1)
    if res.rejected:
        print(f"{res.rejected} items rejected", file=sys.stderr)
    t = time.perf_counter()
    res = load_interactions(client, [data / "interactions.jsonl"], settings, embedder)
    times["load_interactions_s"] = round(time.perf_counter() - t, 1)
    if res.rejected:
        print(f"{res.rejected} interactions rejected", file=sys.stderr)
    t = time.perf_counter()
    train_domains(client, settings)
    times["train_domains_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    train_behavior(client, settings)
    times["train_behavior_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    build_profiles(client, settings=settings, embedder=embedder)
    times["build_profiles_s"] = round(time.perf_counter() - t, 1)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="amazon-office directory")
    parser.add_argument("--users", type=int, default=300, help="users to time (seeded sample)")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--embedder", choices=["minilm", "hashing"], default="minilm")
    parser.add_argument("--cache", type=Path, default=None, help="lite data dir kept between runs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--diversity", type=float, default=0.0)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--embed-cache",
        type=Path,
        default=HERE.parent / "bench-results" / "embed-cache-minilm.npz",
        help="MiniLM vectors by text hash, shared with bench_profiles (the set-up, not the "
        "embedding, is what this benchmark skips)",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the lite server in this process (default: its own process, as a deployed "
        "Weaviate runs; in one process client and server share one interpreter lock)",
    )
    args = parser.parse_args()

    from weaviate_recsys import lite
    from weaviate_recsys.loaders import HashingEmbedder, get_embedder
    from weaviate_recsys.plugin import Recommender, get_profile
    from weaviate_recsys.settings import Settings

    data_dir = args.cache or Path(tempfile.mkdtemp(prefix="bench-recommend-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(prefix=PREFIX + args.embedder.capitalize(), domain_level=2, data_dir=data_dir)
    embedder = HashingEmbedder(dim=384) if args.embedder == "hashing" else get_embedder(settings)
    if args.embedder == "minilm":
        from bench_profiles import CachingEmbedder

        embedder = CachingEmbedder(embedder, args.embed_cache)
    marker = data_dir / f"{settings.prefix}.ready"
    result: dict[str, object] = {
        "dataset": str(args.data),
        "embedder": args.embedder,
        "k": args.k,
        "server": "in-process" if args.in_process else "own process",
    }

    server = None
    if args.in_process:
        client = lite.connect(data_dir=data_dir, in_process=True)
    else:
        server = lite.spawn(data_dir)
        client = lite.client_for(server)
    try:
        if marker.exists():
            result["setup"] = reused_store(marker, store_fingerprint(settings))
        else:
            result["setup"] = _setup(client, settings, args.data, embedder)
            if hasattr(embedder, "save"):
                embedder.save()
            marker.write_text(store_fingerprint(settings))
        user_ids = sorted(
            {json.loads(line)["user_id"] for line in (args.data / "interactions.jsonl").read_text().splitlines()}
        )
        rng = np.random.default_rng(args.seed)
        sample = [
            str(u) for u in rng.choice(user_ids, size=min(args.users + args.warmup, len(user_ids)), replace=False)
        ]
        rec = Recommender(client, settings, embedder=embedder)

        domain_counts: Counter[int] = Counter()
        for u in sample[: args.warmup]:
            rec.recommend(u, args.k, diversity=args.diversity)
        total: list[float] = []
        cpu: list[float] = []
        server_cpu = 0.0
        profile_read: list[float] = []
        lengths: list[int] = []
        for u in sample[args.warmup :]:
            s = _process_cpu(server.pid) if server is not None else 0.0
            c, t = time.process_time(), time.perf_counter()
            out = rec.recommend(u, args.k, diversity=args.diversity)
            total.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            if server is not None:
                server_cpu += _process_cpu(server.pid) - s
            lengths.append(len(out))
            t = time.perf_counter()
            profile = get_profile(client, u, settings)
            profile_read.append(time.perf_counter() - t)
            domain_counts[len(profile.domains)] += 1
        lat = _percentiles(total)
        result.update(
            {
                "users_timed": len(total),
                "recommend": lat,
                # CPU seconds of this process per call (with --in-process, the lite server's too): what a call
                # costs regardless of other load on the machine.
                "recommend_cpu": _percentiles(cpu),
                # The server process's CPU per call (its own process only; 10 ms ticks, so a mean over the calls):
                # with recommend_cpu, what a call costs whatever the machine's load does to the wall times.
                "server_cpu_ms_per_call": round(1000 * server_cpu / len(total), 2) if server is not None else None,
                "load_average_1min": round(os.getloadavg()[0], 2),
                "cpu_count": os.cpu_count(),
                "get_profile_alone": _percentiles(profile_read),
                "users_by_domain_count": {str(k): v for k, v in sorted(domain_counts.items())},
                "max_domains": max(domain_counts) if domain_counts else 0,
                "mean_list_length": round(float(np.mean(lengths)), 2) if lengths else 0,
                "target": {"p50_ms": 30, "p99_ms": 80},
                "meets_target": bool(lat["p50_ms"] <= 30 and lat["p99_ms"] <= 80),
            }
        )
    finally:
        client.close()
        if server is not None:
            server.stop()
    _emit(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
