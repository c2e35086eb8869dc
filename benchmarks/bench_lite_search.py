"""The lite server's CPU per recommendation: the service's real gRPC Search requests, replayed.

A recommendation (``GET /users/{id}/recommendations?k=10`` with every reason) makes about nine gRPC Search
calls to Weaviate: the user's profile and interests, the user's events, one hybrid query per domain (BM25 plus
the ``content`` and ``behavior`` vectors, domain filters) and a fetch of items for the reasons. This benchmark
measures what those calls cost the lite server, apart from the service's own work.

Steps: amazon-office is loaded with the hashing embedder and profiles built (the set-up of bench_serve.py,
shared through ``--cache``). The service runs in this process (its ASGI app, through a test client) against
a lite server in this process, for warm-up users and then ``--users`` others (seeded sample), and every
Search request it sends is recorded as bytes. The recorded requests are then replayed, in order, through a
gRPC channel to lite servers in their own processes (``weaviate-recsys lite`` as deployed, each on its own
copy of the store): the server's CPU per recommendation is its process CPU (/proc) over a pass divided by the
users. A pass also repeats the first recorded call (the user's profile read, one object) 500 times: its
server CPU per call is what any Search costs beyond its own work (gRPC, the request, the reply).
``--compare SRC`` starts a second server from another checkout's ``src`` (e.g. the main branch) and
alternates passes between the two, so that both see the same machine load; every reply (its ``took`` set
to 0) must be byte-identical between the two, which the result states.

Usage: python benchmarks/bench_lite_search.py [--users 100] [--passes 5] [--cache DIR] [--compare SRC]
       [--out FILE]
Prints one JSON object (also written to --out).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_recommend import DEFAULT_DATA, PREFIX, _emit, _process_cpu, _setup  # noqa: E402

SEARCH = "/weaviate.v1.Weaviate/Search"


def _record(data_dir: Path, settings: Any, users: list[str], warmup: int, k: int) -> list[list[bytes]]:
    """Search requests per recommendation, as the service sends them (warm-up users' dropped)."""
    from fastapi.testclient import TestClient

    from weaviate_recsys import lite
    from weaviate_recsys.lite.grpc_api import WeaviateService
    from weaviate_recsys.loaders import HashingEmbedder
    from weaviate_recsys.serve.app import create_app

    recorded: list[bytes] = []
    original = WeaviateService.Search

    def recording(self: Any, request: Any, context: Any) -> Any:
        recorded.append(request.SerializeToString())
        return original(self, request, context)

    WeaviateService.Search = recording  # type: ignore[method-assign]
    server = lite.start(data_dir)
    per_user: list[list[bytes]] = []
    try:
        client = lite.client_for(server)
        try:
            app = create_app(settings, client=client, embedder=HashingEmbedder(dim=384))
            with TestClient(app) as http:
                for i, user in enumerate(users):
                    recorded.clear()
                    http.get(f"/users/{user}/recommendations", params={"k": k}).raise_for_status()
                    if i >= warmup:
                        per_user.append(list(recorded))
        finally:
            client.close()
    finally:
        server.stop()
        WeaviateService.Search = original  # type: ignore[method-assign]
    return per_user


class _Server:
    """A lite server in its own process, from the given source tree, on its own copy of the store."""

    def __init__(self, name: str, src: Path, store: Path) -> None:
        import grpc

        self.name = name
        self.dir = Path(tempfile.mkdtemp(prefix=f"bench-lite-search-{name}-"))
        shutil.copytree(store, self.dir / "data", ignore=shutil.ignore_patterns("lite.lock", "*.ready"))
        env = {**os.environ, "PYTHONPATH": str(src)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "weaviate_recsys.lite.process", "127.0.0.1", str(self.dir / "data")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert self.proc.stdout is not None
        ports = json.loads(self.proc.stdout.readline())
        self.channel = grpc.insecure_channel(
            f"127.0.0.1:{ports['grpc_port']}",
            options=[("grpc.max_receive_message_length", 104858000), ("grpc.max_send_message_length", 104858000)],
        )
        self.search = self.channel.unary_unary(SEARCH)  # bytes in, bytes out

    def replay(self, per_user: list[list[bytes]]) -> tuple[float, str]:
        """One pass over every recorded request: (server CPU seconds, digest of the replies without `took`)."""
        from weaviate.proto.v1 import search_get_pb2

        digest = hashlib.sha256()
        before = _process_cpu(self.proc.pid)
        replies = [self.search(req, timeout=60) for reqs in per_user for req in reqs]
        cpu = _process_cpu(self.proc.pid) - before
        for raw in replies:
            reply = search_get_pb2.SearchReply.FromString(raw)
            reply.took = 0.0
            digest.update(reply.SerializeToString(deterministic=True))
        return cpu, digest.hexdigest()

    def floor(self, request: bytes, calls: int) -> float:
        """Server CPU ms per call of one cheap request repeated: what any Search costs beyond its work."""
        before = _process_cpu(self.proc.pid)
        for _ in range(calls):
            self.search(request, timeout=60)
        return 1000 * (_process_cpu(self.proc.pid) - before) / calls

    def stop(self) -> None:
        self.channel.close()
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="amazon-office directory")
    parser.add_argument("--users", type=int, default=100, help="recommendations replayed per pass (seeded sample)")
    parser.add_argument("--warmup", type=int, default=20, help="recommendations made first and not replayed")
    parser.add_argument("--passes", type=int, default=5, help="replay passes per server")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--cache", type=Path, default=None, help="lite data dir kept between runs")
    parser.add_argument("--compare", type=Path, default=None, help="another checkout's src/ to alternate with")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from weaviate_recsys import lite
    from weaviate_recsys.loaders import HashingEmbedder
    from weaviate_recsys.settings import Settings

    data_dir = args.cache or Path(tempfile.mkdtemp(prefix="bench-lite-search-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(prefix=PREFIX + "Hashing", domain_level=2, data_dir=data_dir)
    marker = data_dir / f"{settings.prefix}.ready"
    result: dict[str, object] = {
        "dataset": str(args.data),
        "embedder": "hashing",
        "request": f"GET /users/{{id}}/recommendations?k={args.k} (all reasons), its gRPC Search calls replayed",
    }
    if marker.exists():
        result["setup"] = "reused " + str(data_dir)
    else:
        server = lite.spawn(data_dir)
        try:
            client = lite.client_for(server)
            try:
                result["setup"] = _setup(client, settings, args.data, HashingEmbedder(dim=384))
            finally:
                client.close()
        finally:
            server.stop()
        marker.write_text("ok")

    user_ids = sorted(
        {json.loads(line)["user_id"] for line in (args.data / "interactions.jsonl").read_text().splitlines()}
    )
    rng = np.random.default_rng(args.seed)
    sample = [str(u) for u in rng.choice(user_ids, size=min(args.warmup + args.users, len(user_ids)), replace=False)]
    per_user = _record(data_dir, settings, sample, args.warmup, args.k)
    n_users = len(per_user)
    n_calls = sum(len(r) for r in per_user)
    result.update({"recommendations_per_pass": n_users, "search_calls_per_recommendation": round(n_calls / n_users, 2)})

    this_src = Path(__import__("weaviate_recsys").__file__).resolve().parent.parent
    servers = [_Server("this", this_src, data_dir)]
    if args.compare is not None:
        servers.append(_Server("compare", args.compare.resolve(), data_dir))
    try:
        for s in servers:
            s.replay(per_user)  # warm-up pass: caches filled as in a running server
        cpu: dict[str, list[float]] = {s.name: [] for s in servers}
        digests: dict[str, set[str]] = {s.name: set() for s in servers}
        floors: dict[str, list[float]] = {s.name: [] for s in servers}
        for _ in range(args.passes):
            for s in servers:
                seconds, digest = s.replay(per_user)
                cpu[s.name].append(1000 * seconds / n_users)
                digests[s.name].add(digest)
                floors[s.name].append(s.floor(per_user[0][0], 500))
    finally:
        for s in servers:
            s.stop()
    for s in servers:
        ms = cpu[s.name]
        result[s.name] = {
            "src": str(s_src) if (s_src := (this_src if s.name == "this" else args.compare)) else None,
            "lite_cpu_ms_per_recommendation": {
                "median": round(float(np.median(ms)), 2),
                "min": round(min(ms), 2),
                "passes": [round(x, 2) for x in ms],
            },
            "lite_cpu_ms_per_search_call": round(float(np.median(ms)) * n_users / n_calls, 3),
            "replies_stable_across_passes": len(digests[s.name]) == 1,
            # the first call of a recommendation (the user's profile read, one object) repeated 500 times
            "lite_cpu_ms_per_profile_read_call": round(float(np.median(floors[s.name])), 3),
        }
    if args.compare is not None:
        result["replies_identical"] = digests["this"] == digests["compare"]
        ratios = [a / b for a, b in zip(cpu["this"], cpu["compare"])]
        result["cpu_ratio_this_over_compare"] = {
            "median": round(float(np.median(ratios)), 3),
            "passes": [round(r, 3) for r in ratios],
        }
    result["load_average_1min"] = round(os.getloadavg()[0], 2)
    result["cpu_count"] = os.cpu_count()
    result["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    _emit(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
