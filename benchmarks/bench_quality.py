"""Quality benchmark: the offline evaluation on amazon-office and movielens-small.

Writes one report directory per data set (report.json, details.json, report.md, plots) under ``--out``,
a combined ``quality.md``, and prints one JSON document on stdout (what ``run_all.py`` collects).
MovieLens follows the evaluation's protocol (ratings >= 4 are positives, tags are user text); a second, cheap
run with every rating as a positive checks most-popular and item-kNN against the reference numbers of
the data sets' README, which were computed that way.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from weaviate_recsys.eval import CONTRACT_METHODS, EvaluationConfig, available_methods, run_evaluation  # noqa: E402
from weaviate_recsys.eval.report import markdown_table  # noqa: E402

DEFAULT_ROOT = HERE.parent.parent / "shared" / "datasets"

#: From the data sets' README (chronological leave-one-out, full ranking, seen items removed).
REFERENCE = {
    "amazon-office": {
        "most-popular": {"hr@10": 0.0024, "ndcg@10": 0.0008},
        "item-knn": {"hr@10": 0.0630, "ndcg@10": 0.0367},
    },
    "movielens-small-all-ratings": {
        "most-popular": {"hr@10": 0.0426, "ndcg@10": 0.0194},
        "item-knn": {"hr@10": 0.0574, "ndcg@10": 0.0261},
    },
}


def default_methods() -> list[str]:
    """The report's methods: the contract's (baselines, the full recommender, its ablations), the in-memory
    content-vector diagnostics, and SASRec, the sequential peer a practitioner would pick instead."""
    return [m for m in available_methods() if m in CONTRACT_METHODS or m.startswith("content-vector") or m == "sasrec"]


def runs(root: Path, names: list[str]) -> list[dict[str, Any]]:
    amazon = root / "amazon-office"
    ml = root / "movielens-small"
    all_runs = {
        "amazon-office": dict(
            items=amazon / "items.jsonl", interactions=[amazon / "interactions.jsonl"], domain_level=2
        ),
        "movielens-small": dict(
            items=ml / "movies.csv", interactions=[ml / "ratings.csv", ml / "tags.csv"], min_rating=4.0
        ),
        "movielens-small-all-ratings": dict(
            items=ml / "movies.csv",
            interactions=[ml / "ratings.csv", ml / "tags.csv"],
            min_rating=None,
            methods=["most-popular", "item-knn"],
        ),
    }
    return [{"dataset": name, **all_runs[name]} for name in names]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the shared datasets directory")
    parser.add_argument("--out", type=Path, default=Path("bench-results/quality"))
    parser.add_argument(
        "--datasets", nargs="*", default=["amazon-office", "movielens-small", "movielens-small-all-ratings"]
    )
    parser.add_argument(
        "--methods",
        nargs="*",
        default=None,
        help="method names (default: the contract's methods, the content-vector diagnostics and SASRec)",
    )
    parser.add_argument("--split", default="leave-last:1")
    parser.add_argument(
        "--validation",
        action="store_true",
        help="evaluate on the validation split carved from training (for choosing methods and "
        "settings; the test part is never read)",
    )
    parser.add_argument(
        "--vector-cache",
        type=Path,
        default=None,
        help="reuse item vectors between runs (experiments only; a measured run leaves it unset)",
    )
    args = parser.parse_args()
    results: dict[str, Any] = {"cores": os.cpu_count(), "load_average_at_start": os.getloadavg()[0]}
    md = ["# Quality benchmark", ""]
    for run in runs(args.root, args.datasets):
        name = run.pop("dataset")
        methods = run.pop("methods", args.methods) or default_methods()
        config = EvaluationConfig(
            **run,
            dataset=name,
            ks=[10, 20],
            split=args.split,
            methods=methods,
            report_dir=args.out / name,
            vector_cache_dir=args.vector_cache,
            on_validation=args.validation,
        )
        command = f"python benchmarks/bench_quality.py --datasets {name}" + (" --validation" if args.validation else "")
        started = time.perf_counter()
        report = run_evaluation(config, command=command)
        seconds = round(time.perf_counter() - started, 1)
        print(f"{name}: {seconds}s", file=sys.stderr, flush=True)
        entry: dict[str, Any] = {
            "seconds": seconds,
            "timings": report.tuning.get("timings"),
            "users": report.users,
            "report": report.contract(),
        }
        entry["tuned"] = {k: v for k, v in report.tuning.items() if k != "timings"}
        entry["runtimes"] = {m: {"fit_s": r.fit_s, "recommend_s": r.recommend_s} for m, r in report.methods.items()}
        if name in REFERENCE:
            entry["reference_check"] = {
                method: {
                    metric: {
                        "ours": report.methods[method].overall[metric],
                        "reference": ref,
                        "ratio": round(report.methods[method].overall[metric] / ref, 3),
                    }
                    for metric, ref in refs.items()
                }
                for method, refs in REFERENCE[name].items()
                if method in report.methods
            }
        results[name] = entry
        md += [
            f"## {name} ({report.split}, {report.users.get('overall')} users, {seconds}s)",
            "",
            f"`{command}`",
            "",
            markdown_table(report),
            "",
        ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "quality.md").write_text("\n".join(md))
    (args.out / "quality.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
