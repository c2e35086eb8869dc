"""Wall and CPU time of one `weaviate-recsys recommend` command, direct and through the recommendation service.

Each run is a fresh process, as a user or a script would start it. The bundled sample catalog is loaded
(hashing embedder, no model) into a lite server in its own process (`lite.spawn`), and a
`weaviate-recsys serve --url ...` runs in its own process in front of it. Then, ``--runs`` times each:

- ``direct``: ``recommend USER -k 10 --url <lite server>`` (imports the Weaviate client, queries Weaviate);
- ``service``: ``recommend USER -k 10 --service <service>`` (one HTTP request, no Weaviate client);
- ``import_weaviate``: ``python -c "import weaviate"``, what the direct path cannot avoid.

``--compare-src DIR`` adds ``direct_compare``: the direct command with ``PYTHONPATH=DIR`` (another checkout's
``src``), to compare two versions on the same machine and load. Wall times follow the machine's load; the
CPU time (user + sys of the command's process) much less, so both are reported, with the load average.

Usage: python benchmarks/bench_cli.py [--runs 5] [--compare-src DIR] [--out FILE]
Prints one JSON object (also written to --out).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
USER = "u000"
PREFIX = "BenchCli"
CLI = "from weaviate_recsys.cli import main; main()"


def _timed(args: list[str], src: Path, runs: int) -> dict[str, float]:
    """Median and spread of wall and CPU seconds over ``runs`` fresh processes of ``args``."""
    walls, cpus = [], []
    env = {**os.environ, "PYTHONPATH": str(src)}
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(args, env=env, capture_output=True, text=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args[3:])} failed: {proc.stderr[-2000:]}")
    return {
        "wall_median_s": round(statistics.median(walls), 3),
        "wall_min_s": round(min(walls), 3),
        "wall_max_s": round(max(walls), 3),
        "cpu_median_s": round(statistics.median(cpus), 3),
    }


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the service exited: " + (proc.stderr.read().decode()[-2000:] if proc.stderr else ""))
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the service did not become ready")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare-src", type=Path, default=None, help="another checkout's src/ to time too")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    sys.path.insert(0, str(SRC))
    from bench_serve import _free_port

    from weaviate_recsys import lite
    from weaviate_recsys.demo import run_demo
    from weaviate_recsys.loaders import HashingEmbedder
    from weaviate_recsys.settings import Settings

    data_dir = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    settings = Settings(prefix=PREFIX, data_dir=data_dir)
    server = lite.spawn(data_dir)
    service = None
    try:
        client = lite.client_for(server)
        try:
            run_demo(client, settings, embedder=HashingEmbedder(dim=64), k=1)
        finally:
            client.close()
        port = _free_port()
        weaviate_url = f"http://{server.host}:{server.http_port}"
        connection = ["--url", weaviate_url, "--grpc-port", str(server.grpc_port), "--prefix", PREFIX]
        service = subprocess.Popen(
            [sys.executable, "-c", CLI, "serve", *connection, "--port", str(port), "--quiet"],
            env={**os.environ, "PYTHONPATH": str(SRC)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        service_url = f"http://127.0.0.1:{port}"
        _wait_ready(service_url, service)
        command = [sys.executable, "-c", CLI, "recommend", USER, "-k", "10", "-q"]
        load_before = os.getloadavg()
        result: dict[str, object] = {
            "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
            "command": f"recommend {USER} -k 10 (sample catalog)",
            "runs": args.runs,
            "direct": _timed([*command, *connection], SRC, args.runs),
            "service": _timed([*command, "--service", service_url], SRC, args.runs),
            "import_weaviate": _timed([sys.executable, "-c", "import weaviate"], SRC, args.runs),
        }
        if args.compare_src:
            result["direct_compare"] = _timed([*command, *connection], args.compare_src.resolve(), args.runs)
        result["load_average_1m"] = [round(load_before[0], 1), round(os.getloadavg()[0], 1)]
    finally:
        if service is not None:
            service.terminate()
            service.wait(timeout=30)
        server.stop()
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
