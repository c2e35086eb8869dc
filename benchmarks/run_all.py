"""`make bench`: run every benchmarks/bench_*.py and collect their JSON results.

Each benchmark prints one JSON document on stdout. Results go to ``--out DIR/<name>.json`` plus a
combined ``summary.json``. A benchmark that fails is reported, and the others still run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="bench-results", help="directory for the JSON results")
    parser.add_argument("--only", nargs="*", default=None, help="benchmark names to run (e.g. lite load)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, object] = {}
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        if args.only and name not in args.only:
            continue
        print(f"== {name}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
        elapsed = round(time.perf_counter() - start, 1)
        try:
            result = json.loads(proc.stdout)
        except json.JSONDecodeError:
            result = {"error": "benchmark printed no JSON", "stdout_tail": proc.stdout[-2000:]}
        if proc.returncode != 0:
            result = {"error": f"exit status {proc.returncode}", "partial": result}
            failed.append(name)
        result_path = out / f"{name}.json"
        result_path.write_text(json.dumps(result, indent=2))
        summary[name] = {"seconds": elapsed, "result": result}
        print(f"   {elapsed}s -> {result_path}", file=sys.stderr, flush=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    if failed:
        print(f"failed benchmarks: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
