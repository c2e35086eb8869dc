"""Defaults chosen across data sets: a setting's values on every data set's validation split, and whether a
value tuned on one data set carries over to the others.

For each value of one setting (``--setting NAME V1 V2 ...``; list the current default first) the full
recommender runs on the validation split of each data set (``bench_quality.py --validation``, in its own
process with ``WEAVIATE_RECSYS_<NAME>`` set, so nothing leaks between runs; the test split is never read).
The chosen value is the one whose worst score relative to each data set's best is highest
(``weaviate_recsys.eval.selection``); the leave-one-out rows say what tuning on one data set alone would have
given on the other. Prints one JSON document on stdout and a Markdown table on stderr::

    python benchmarks/bench_defaults.py --setting overall_share 0.4 0.2 0.6
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from weaviate_recsys.eval.selection import select_across  # noqa: E402 - after the src path is set

DEFAULT_SETTINGS = {"overall_share": ["0.4", "0.2", "0.6"]}


def run_one(
    name: str, value: str, dataset: str, metric: str, method: str, cache: Path, root: Path | None
) -> dict[str, Any]:
    """One validation run of ``method`` with the setting overridden; returns its overall metrics."""
    env = dict(os.environ, **{f"WEAVIATE_RECSYS_{name.upper()}": value})
    with tempfile.TemporaryDirectory(prefix="bench-defaults-") as out:
        command = [sys.executable, str(HERE / "bench_quality.py"), "--validation", "--datasets", dataset]
        command += ["--methods", method, "--out", out, "--vector-cache", str(cache)]
        if root is not None:
            command += ["--root", str(root)]
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{name}={value} on {dataset} failed:\n{done.stderr[-4000:]}")
        report = json.loads(done.stdout)[dataset]["report"]
    overall = report["methods"][method]["overall"]
    return {"seconds": round(time.perf_counter() - started, 1), metric: overall[metric], "overall": overall}


def markdown(name: str, scores: dict[str, dict[str, float]], selection: Any, metric: str) -> str:
    datasets = list(next(iter(scores.values())))
    lines = [f"| {name} | " + " | ".join(f"{d} {metric} (vs best)" for d in datasets) + " | worst |"]
    lines.append("|---|" + "---:|" * (len(datasets) + 1))
    for value, per in scores.items():
        rel = selection.relative[value]
        mark = "**" if value == selection.chosen else ""
        cells = " | ".join(f"{per[d]:.4f} ({rel[d]:.3f})" for d in datasets)
        lines.append(f"| {mark}{value}{mark} | {cells} | {min(rel.values()):.3f} |")
    lines.append("")
    for check in selection.leave_one_out:
        lines.append(
            f"- tuned on {check.tuned_on} alone: {name}={check.value}, "
            f"{check.relative:.3f} of the best on {check.reported_on}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--setting",
        nargs="+",
        action="append",
        metavar="NAME_OR_VALUE",
        help="a settings field and its values, the current default first (repeatable)",
    )
    parser.add_argument("--datasets", nargs="*", default=["amazon-office", "movielens-small"])
    parser.add_argument("--metric", default="ndcg@10")
    parser.add_argument("--method", default="multi-granularity")
    parser.add_argument("--root", type=Path, default=None, help="the shared datasets directory")
    parser.add_argument("--vector-cache", type=Path, default=None, help="item vectors kept between runs")
    args = parser.parse_args()
    grid = {s[0]: s[1:] for s in args.setting} if args.setting else DEFAULT_SETTINGS
    if any(len(values) < 2 for values in grid.values()):
        parser.error("each --setting needs a name and at least two values")
    cache = args.vector_cache or Path(tempfile.mkdtemp(prefix="bench-defaults-vectors-"))
    results: dict[str, Any] = {"cores": os.cpu_count(), "load_average_at_start": os.getloadavg()[0], "settings": {}}
    tables = []
    for name, values in grid.items():
        runs = {
            v: {d: run_one(name, v, d, args.metric, args.method, cache, args.root) for d in args.datasets}
            for v in values
        }
        scores = {v: {d: r[args.metric] for d, r in per.items()} for v, per in runs.items()}
        selection = select_across(scores)
        results["settings"][name] = {"runs": runs, "selection": selection.model_dump()}
        tables.append(f"### {name}\n\n" + markdown(name, scores, selection, args.metric))
    results["load_average_at_end"] = os.getloadavg()[0]
    print("\n\n".join(tables), file=sys.stderr)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
