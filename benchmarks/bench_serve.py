"""Recommendations over HTTP: `weaviate-recsys serve` against a lite server, amazon-office loaded.

Targets: one client p50 <= 25 ms; 4 concurrent clients >= 100 recommendations/s with p99 <= 150 ms and no
errors.

Steps: the lite server runs in its own process with amazon-office loaded and profiles built (the same
set-up as bench_recommend.py, shared through ``--cache``); the service runs in its own process
(``weaviate-recsys serve --url ...``), as deployed. Each request is ``GET /users/{id}/recommendations?k=10``
with every reason (because-you-liked, matched keywords, score parts). The one-client phase and the
four-client phase use different users, so no answer comes from the service's per-user cache; the service's
item cache (the items' text and vectors its reasons read, ``serve_item_cache_seconds``) fills during the
warm-up and the phases, as it does in a running service, and never changes a list. The service's and
the lite server's CPU per request are reported from /proc next to the wall times, and so is the clients'
(this process: httpx, on the same cores): on a shared machine wall times follow its load, CPU times much
less (but they too grow when more processes than cores run). The service's resident memory after each phase
shows whether its caches let go of what they no longer need.

Usage: python benchmarks/bench_serve.py [--users 300] [--embedder minilm|hashing] [--cache DIR] [--workers N]
       [--query-threads N] [--out FILE]
Prints one JSON object (also written to --out).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_recommend import (  # noqa: E402
    DEFAULT_DATA,
    PREFIX,
    _emit,
    _percentiles,
    _process_cpu,
    _setup,
    reused_store,
    store_fingerprint,
)

TARGET = {"one_client_p50_ms": 25, "four_clients_rec_per_s": 100, "four_clients_p99_ms": 150, "errors": 0}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its live children (the service's worker processes), from /proc."""
    total = _process_cpu(pid)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(_tree_cpu(int(c)) for c in children)


def amazon_office_store(data: Path, cache: Path | None, embedder_name: str, embed_cache: Path):  # type: ignore[no-untyped-def]
    """A lite server in its own process with amazon-office loaded, domains and behaviour vectors trained and every
    profile built; a store kept in ``cache`` by an earlier run is reused. Returns (server, settings, setup entry)."""
    from weaviate_recsys import lite
    from weaviate_recsys.loaders import HashingEmbedder, get_embedder
    from weaviate_recsys.settings import Settings

    data_dir = cache or Path(tempfile.mkdtemp(prefix="bench-serve-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(prefix=PREFIX + embedder_name.capitalize(), domain_level=2, data_dir=data_dir)
    marker = data_dir / f"{settings.prefix}.ready"
    server = lite.spawn(data_dir)
    try:
        if marker.exists():
            return server, settings, reused_store(marker, store_fingerprint(settings))
        embedder = HashingEmbedder(dim=384) if embedder_name == "hashing" else get_embedder(settings)
        if embedder_name == "minilm":
            from bench_profiles import CachingEmbedder

            embedder = CachingEmbedder(embedder, embed_cache)
        client = lite.client_for(server)
        try:
            setup = _setup(client, settings, data, embedder)
        finally:
            client.close()
        if hasattr(embedder, "save"):
            embedder.save()
        marker.write_text(store_fingerprint(settings))
        return server, settings, setup
    except BaseException:
        server.stop()
        raise


def _tree_rss_mb(pid: int) -> float:
    """Resident memory in MB of a process and its live children, from /proc (a cache that keeps what it should
    let go shows here)."""
    total = 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total = int(line.split()[1]) / 1024
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(_tree_rss_mb(int(c)) for c in children)


def _start_service(  # type: ignore[no-untyped-def]
    server, prefix: str, port: int, workers: int = 1, query_threads: int | None = None
) -> subprocess.Popen[bytes]:
    code = "from weaviate_recsys.cli import main; main()"
    args = [
        sys.executable,
        "-c",
        code,
        "serve",
        "--url",
        f"http://{server.host}:{server.http_port}",
        "--grpc-port",
        str(server.grpc_port),
        "--prefix",
        prefix,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--quiet",
    ]
    if query_threads is not None:
        args += ["--query-threads", str(query_threads)]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_ready(http, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the service exited: " + (proc.stderr.read().decode()[-2000:] if proc.stderr else ""))
        try:
            if http.get("/readyz").status_code == 200:
                return
        except Exception:  # noqa: BLE001 - not listening yet
            pass
        time.sleep(0.2)
    raise RuntimeError("the service did not become ready")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="amazon-office directory")
    parser.add_argument("--users", type=int, default=300, help="users per phase (seeded sample)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients in the second phase")
    parser.add_argument("--workers", type=int, default=1, help="the service's worker processes (serve --workers)")
    parser.add_argument(
        "--query-threads", type=int, default=None, help="serve --query-threads (default: the service's default)"
    )
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--embedder", choices=["minilm", "hashing"], default="minilm")
    parser.add_argument("--cache", type=Path, default=None, help="lite data dir kept between runs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--embed-cache", type=Path, default=HERE.parent / "bench-results" / "embed-cache-minilm.npz")
    args = parser.parse_args()

    import httpx

    result: dict[str, object] = {
        "dataset": str(args.data),
        "embedder": args.embedder,
        "k": args.k,
        "request": "GET /users/{id}/recommendations?k=10 (all reasons)",
        "service_workers": args.workers,
        "service_query_threads": args.query_threads,
    }
    server, settings, result["setup"] = amazon_office_store(args.data, args.cache, args.embedder, args.embed_cache)
    service = None
    try:
        port = _free_port()
        service = _start_service(server, settings.prefix, port, args.workers, args.query_threads)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30) as http:
            _wait_ready(http, service)
        user_ids = sorted(
            {json.loads(line)["user_id"] for line in (args.data / "interactions.jsonl").read_text().splitlines()}
        )
        rng = np.random.default_rng(args.seed)
        need = args.warmup + 3 * args.users
        sample = [str(u) for u in rng.choice(user_ids, size=min(need, len(user_ids)), replace=False)]
        w, n_users = args.warmup, args.users
        warm, one, many, visits = (
            sample[:w],
            sample[w : w + n_users],
            sample[w + n_users : w + 2 * n_users],
            sample[w + 2 * n_users :],
        )
        path = "/users/{}/recommendations"

        with httpx.Client(base_url=base, timeout=30) as http:
            for u in warm:
                http.get(path.format(u), params={"k": args.k}).raise_for_status()
            # --- one client ---
            lat: list[float] = []
            errors = 0
            svc0, srv0, cli0 = _tree_cpu(service.pid), _process_cpu(server.pid), time.process_time()
            t0 = time.perf_counter()
            for u in one:
                t = time.perf_counter()
                r = http.get(path.format(u), params={"k": args.k})
                lat.append(time.perf_counter() - t)
                errors += r.status_code != 200
            wall = time.perf_counter() - t0
            n = len(one)
            result["one_client"] = {
                "requests": n,
                "errors": errors,
                **_percentiles(lat),
                "rec_per_s": round(n / wall, 1),
                "service_cpu_ms_per_request": round(1000 * (_tree_cpu(service.pid) - svc0) / n, 2),
                "lite_server_cpu_ms_per_request": round(1000 * (_process_cpu(server.pid) - srv0) / n, 2),
                "client_cpu_ms_per_request": round(1000 * (time.process_time() - cli0) / n, 2),
                "service_rss_mb_after": round(_tree_rss_mb(service.pid)),
                "load_average_1min": round(os.getloadavg()[0], 2),
            }

        def concurrent(queue: list[str]) -> dict[str, object]:
            """``args.clients`` clients, each its own connection, taking users from ``queue``."""
            lock = threading.Lock()
            lat_many: list[float] = []
            errs: list[str] = []

            def worker() -> None:
                with httpx.Client(base_url=base, timeout=30) as h:
                    while True:
                        with lock:
                            if not queue:
                                return
                            u = queue.pop()
                        t = time.perf_counter()
                        try:
                            r = h.get(path.format(u), params={"k": args.k})
                            ok = r.status_code == 200
                            detail = f"{r.status_code}"
                        except httpx.HTTPError as e:
                            ok, detail = False, type(e).__name__
                        elapsed = time.perf_counter() - t
                        with lock:
                            lat_many.append(elapsed)
                            if not ok:
                                errs.append(detail)

            svc0, srv0, cli0 = _tree_cpu(service.pid), _process_cpu(server.pid), time.process_time()
            t0 = time.perf_counter()
            threads = [threading.Thread(target=worker) for _ in range(args.clients)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            wall = time.perf_counter() - t0
            n = len(lat_many)
            return {
                "clients": args.clients,
                "requests": n,
                "errors": len(errs),
                "error_examples": errs[:5],
                "rec_per_s": round(n / wall, 1),
                **_percentiles(lat_many),
                "service_cpu_ms_per_request": round(1000 * (_tree_cpu(service.pid) - svc0) / n, 2),
                "lite_server_cpu_ms_per_request": round(1000 * (_process_cpu(server.pid) - srv0) / n, 2),
                "client_cpu_ms_per_request": round(1000 * (time.process_time() - cli0) / n, 2),
                "service_rss_mb_after": round(_tree_rss_mb(service.pid)),
                "load_average_1min": round(os.getloadavg()[0], 2),
            }

        # Different users: every request reads the user's profile and history from Weaviate.
        result["concurrent_clients"] = concurrent(list(many))
        # Visits: each user asks three times in a row (a page and two carousels), within the cache time, so
        # two of three requests reuse the user's profile and history (the other queries still run).
        # Groups of 10 users, each group asked three times over, so a user's next request comes a few requests
        # later (not at the same moment from another client).
        groups = [visits[i : i + 10] for i in range(0, len(visits), 10)]
        visit_queue = [u for g in groups for _ in range(3) for u in g][::-1]
        result["concurrent_clients_visits"] = {"requests_per_user": 3, "users": len(visits), **concurrent(visit_queue)}
        one_res = result["one_client"]
        many_res = result["concurrent_clients"]
        assert isinstance(one_res, dict) and isinstance(many_res, dict)
        result.update(
            {
                "cpu_count": os.cpu_count(),
                "target": TARGET,
                "meets_target": bool(
                    one_res["p50_ms"] <= TARGET["one_client_p50_ms"]
                    and many_res["rec_per_s"] >= TARGET["four_clients_rec_per_s"]
                    and many_res["p99_ms"] <= TARGET["four_clients_p99_ms"]
                    and many_res["errors"] == 0
                    and one_res["errors"] == 0
                ),
            }
        )
    finally:
        if service is not None:
            service.terminate()
            try:
                service.wait(timeout=20)
            except subprocess.TimeoutExpired:
                service.kill()
            if service.stderr is not None:
                service.stderr.close()
        server.stop()
    _emit(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
