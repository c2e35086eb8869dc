"""Defaults chosen across data sets: a setting's values on every data set's validation split, and whether a
value tuned on one data set carries over to the others.

For each setting (``--setting NAME V1 V2 ...``: the alternatives; the current default is read from
``Settings`` and always runs first) the full recommender runs on the validation split of each data set
(``bench_quality.py --validation``, in its own process with ``WEAVIATE_RECSYS_<NAME>`` set, so nothing leaks
between runs; the test split is never read). A run is keyed by its full environment override, so the run with
every setting at its default is made once per data set and shared by all settings; with ``--runs DIR`` each
run's output is kept there with every setting's default at the time, and reused by later invocations while
those defaults stay the same (so data sets run one at a time combine into one table, and a default changed
since is run again). A ``domain_rule`` value that gives every item of a data set the same domain as the default rule (a
catalog of category paths) shares the default's run there.

The chosen value is the one whose worst NDCG@10 relative to each data set's best is highest, where values
within ``--tolerance`` (default 1%: about the noise between nearly equal settings on these data sets) of the
highest count as tied and the current default wins a tie (``weaviate_recsys.eval.selection``); the leave-one-out rows say what tuning on one data set alone would have
given on the other. Prints one JSON document on stdout and Markdown tables on stderr::

    python benchmarks/bench_defaults.py --setting alpha 0.5 0.85 --setting behavior_weight 0.6 0.9 \\
        --vector-cache /tmp/vectors --runs bench-results/defaults/runs
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from bench_quality import DEFAULT_ROOT, runs  # noqa: E402 - the data sets' definitions, next to this script

from weaviate_recsys.eval.data import EvalItem, item_domains, read_eval_data  # noqa: E402 - after the src path is set
from weaviate_recsys.eval.selection import Selection, select_across  # noqa: E402
from weaviate_recsys.settings import Settings  # noqa: E402

#: What a run without ``--setting`` tries: each setting's alternatives (the default comes from ``Settings``).
#: Two settings with the largest effect, five validation runs per data set.
DEFAULT_SETTINGS = {"alpha": ["0.5", "0.85"], "behavior_weight": ["0.6", "0.9"]}
DATASETS = ["amazon-office", "movielens-small"]
#: Worst ratios this close to the highest are ties, which the value listed first (the default) wins: pairs of
#: nearly equal settings differ by up to 0.3% on amazon-office, and one hit among MovieLens-small's 608 users
#: moves HR@10 by 1.6%.
TOLERANCE = 0.01
#: Reported next to the metric the choice is made on: accuracy and the multi-interest metric.
EXTRA_METRICS = {"hr@10": "HR@10", "subtopic-recall@10": "subtopic-recall@10"}


def default_value(name: str) -> str:
    """The setting's current default, as ``WEAVIATE_RECSYS_<NAME>`` would spell it."""
    field = Settings.model_fields.get(name)
    if field is None:
        raise SystemExit(f"--setting {name}: no such settings field (see src/weaviate_recsys/settings.py)")
    default = field.get_default(call_default_factory=True)
    return json.dumps(default) if isinstance(default, dict | list) else str(default)


def defaults() -> dict[str, str]:
    """Every setting's current default: what a run with no override stands for."""
    return {name: default_value(name) for name in Settings.model_fields}


def parse(name: str, value: str) -> Any:
    """The setting's value as ``WEAVIATE_RECSYS_<NAME>=value`` gives it (a dict or list is written as JSON)."""
    try:
        return getattr(Settings.model_validate({name: value}), name)
    except ValidationError as e:
        try:
            return getattr(Settings.model_validate({name: json.loads(value)}), name)
        except (ValueError, ValidationError):
            raise SystemExit(f"--setting {name} {value}: {e.errors()[0]['msg']}") from e


def values_for(name: str, alternatives: list[str]) -> list[str]:
    """The default first, then each alternative that differs from it (checked as ``Settings`` parses it)."""
    default = default_value(name)
    parsed_default = parse(name, default)
    values = [default]
    for value in alternatives:
        parsed = parse(name, value)
        if parsed != parsed_default and value not in values:
            values.append(value)
    if len(values) == 1:
        raise SystemExit(f"--setting {name}: every value given is the default ({default}); give another value")
    return values


def run_key(overrides: Mapping[str, str]) -> str:
    """A run's name in the store: its full environment override (``default`` when there is none)."""
    return "&".join(f"{k}={v}" for k, v in sorted(overrides.items())) or "default"


@functools.cache
def _catalog(dataset: str, root: Path) -> tuple[list[EvalItem], int]:
    """A data set's items and the category level that gives their domain, as ``bench_quality.py`` reads them."""
    config = next(r for r in runs(root, [dataset]) if r["dataset"] == dataset)
    return read_eval_data(config["items"], config["interactions"], name=dataset).items, config.get("domain_level", 1)


def same_domains_as_default(name: str, value: str, items: Sequence[EvalItem], level: int) -> bool:
    """Whether ``value`` gives every item of the catalog the domain the default gives it (then the run cannot
    differ: a load and the evaluation read domains over the whole catalog)."""
    if name != "domain_rule":
        return False
    default = default_value(name)
    return item_domains(items, level, value) == item_domains(items, level, default)  # type: ignore[arg-type]


def stored_run(stored: Mapping[str, Any], dataset: str, method: str, now: Mapping[str, str]) -> dict[str, Any] | None:
    """The data set's entry of a stored run if it still stands for the run asked for: made with today's
    defaults (a run with no override is the defaults) and holding the method; else None."""
    run = stored.get("output", {}).get(dataset)
    if stored.get("defaults") != now or run is None or method not in run["report"]["methods"]:
        return None
    return dict(run)


class RunStore:
    """Validation runs by data set and environment override: made once, read back from ``directory``."""

    def __init__(self, directory: Path, method: str, cache: Path, root: Path) -> None:
        self.directory, self.method, self.cache, self.root = directory, method, cache, root
        self.made: list[str] = []
        self.reused: list[str] = []

    def get(self, dataset: str, overrides: Mapping[str, str]) -> dict[str, Any]:
        """``bench_quality.py``'s output for the run (its ``dataset`` entry), running it if it is not stored
        (or was stored with other defaults, or without the method)."""
        key = run_key(overrides)
        path = self.directory / dataset / f"{key}.json"
        now = defaults()
        if path.exists():
            run = stored_run(json.loads(path.read_text()), dataset, self.method, now)
            if run is not None:
                self.reused.append(f"{dataset}/{key}")
                return run
        env = dict(os.environ, **{f"WEAVIATE_RECSYS_{k.upper()}": v for k, v in overrides.items()})
        with tempfile.TemporaryDirectory(prefix="bench-defaults-") as out:
            command = [sys.executable, str(HERE / "bench_quality.py"), "--validation", "--datasets", dataset]
            command += ["--methods", self.method, "--out", out, "--vector-cache", str(self.cache)]
            command += ["--root", str(self.root)]
            print(f"{dataset} {key}", file=sys.stderr, flush=True)
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{key} on {dataset} failed:\n{done.stderr[-4000:]}")
        output = json.loads(done.stdout)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"defaults": now, "overrides": dict(overrides), "output": output}, indent=1))
        self.made.append(f"{dataset}/{key}")
        return dict(output[dataset])


def scored(run: dict[str, Any], method: str, metric: str, key: str, shared: bool) -> dict[str, Any]:
    """One value's numbers on one data set, from its run."""
    overall = run["report"]["methods"][method]["overall"]
    out = {"run": key, "seconds": run["seconds"], metric: overall[metric]}
    out |= {m: overall.get(m) for m in EXTRA_METRICS}
    if shared:
        out["same_item_domains_as_default"] = True
    return out


def markdown(name: str, table: dict[str, dict[str, dict[str, Any]]], selection: Selection, metric: str) -> str:
    """The setting's table: per data set the metric (and its ratio to the best there) and the extra metrics."""
    datasets = list(next(iter(table.values())))
    header = [name]
    for d in datasets:
        header += [f"{d} {metric.upper()} (vs best)", *EXTRA_METRICS.values()]
    lines = ["| " + " | ".join(header) + " | worst |", "|---|" + "---:|" * (len(header))]
    for value, per in table.items():
        rel = selection.relative[value]
        mark = "**" if value == selection.chosen else ""
        cells = []
        for d in datasets:
            cells.append(f"{per[d][metric]:.4f} ({rel[d]:.3f})")
            cells += [f"{per[d][m]:.4f}" if per[d].get(m) is not None else "-" for m in EXTRA_METRICS]
        lines.append(f"| {mark}{value}{mark} | " + " | ".join(cells) + f" | {min(rel.values()):.3f} |")
    lines.append("")
    default = next(iter(table))
    for d in datasets:
        if all(per[d].get("same_item_domains_as_default") for v, per in table.items() if v != default):
            lines.append(f"- {d}: every value gives every item the same domain, so all share the default's run")
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
        help="a settings field and the values to try besides its default (repeatable)",
    )
    parser.add_argument("--datasets", nargs="+", default=DATASETS, help=f"data sets to run (default: {DATASETS})")
    parser.add_argument("--metric", default="ndcg@10")
    parser.add_argument("--method", default="multi-granularity")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the shared datasets directory")
    parser.add_argument("--vector-cache", type=Path, default=None, help="item vectors kept between runs")
    parser.add_argument(
        "--runs", type=Path, default=None, help="keep each run's output here and reuse the runs found here"
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=TOLERANCE,
        help=f"worst ratios within this of the highest are ties, which the default wins (default {TOLERANCE})",
    )
    args = parser.parse_args()
    grid = {s[0]: s[1:] for s in args.setting} if args.setting else DEFAULT_SETTINGS
    if any(not alternatives for alternatives in grid.values()):
        parser.error("each --setting needs a name and at least one value besides the default")
    values = {name: values_for(name, alternatives) for name, alternatives in grid.items()}
    cache = args.vector_cache or Path(tempfile.mkdtemp(prefix="bench-defaults-vectors-"))
    store = RunStore(args.runs or Path(tempfile.mkdtemp(prefix="bench-defaults-runs-")), args.method, cache, args.root)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "cores": os.cpu_count(),
        "load_average_at_start": os.getloadavg()[0],
        "tolerance": args.tolerance,
        "settings": {},
    }
    tables = []
    for name, tried in values.items():
        table: dict[str, dict[str, dict[str, Any]]] = {}
        for n, value in enumerate(tried):
            table[value] = {}
            for d in args.datasets:
                shared = n > 0 and same_domains_as_default(name, value, *_catalog(d, args.root))
                overrides = {} if n == 0 or shared else {name: value}
                run = store.get(d, overrides)
                table[value][d] = scored(run, args.method, args.metric, run_key(overrides), shared)
        selection = select_across(
            {v: {d: r[args.metric] for d, r in per.items()} for v, per in table.items()}, args.tolerance
        )
        results["settings"][name] = {"default": tried[0], "values": table, "selection": selection.model_dump()}
        tables.append(f"### {name}\n\n" + markdown(name, table, selection, args.metric))
    results |= {"runs_made": store.made, "runs_reused": store.reused, "seconds": round(time.perf_counter() - started)}
    results["load_average_at_end"] = os.getloadavg()[0]
    print("\n\n".join(tables), file=sys.stderr)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
