"""Similar-items quality: is a user's next item among the items similar to the one they used last?

For each data set: the validation split carved from the chronological leave-last-1 training part (the test
part is never read); the catalog with its content vectors and the validation training interactions are loaded
into a fresh lite server, and behaviour vectors are trained on them (`train_behavior`). Then, for every
validation user, ``Recommender.similar_items(last training item, k)`` is asked once per setting:

* ``content``: ``behavior_weight=0`` (content vectors only);
* ``behavior+content``: the default ``behavior_weight`` (behaviour and content vectors together, cold items by
  content);
* ``behavior``: ``behavior_weight=1`` (behaviour vectors only, cold items by content).

HR@k is the share of users whose held-out next item is in the list (item-to-item: the user's other items are
not excluded, as on an item page). Prints one JSON document (what ``run_all.py`` collects) and, with ``--out``,
writes it and a Markdown table there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from weaviate_recsys import lite  # noqa: E402
from weaviate_recsys.eval import PositivePolicy, embed_items, read_eval_data, split_data, validation_split  # noqa: E402
from weaviate_recsys.eval.weaviate_methods import load_catalog  # noqa: E402
from weaviate_recsys.plugin import Recommender  # noqa: E402
from weaviate_recsys.plugin.behavior import train_behavior  # noqa: E402
from weaviate_recsys.settings import Settings  # noqa: E402

DEFAULT_ROOT = HERE.parent.parent / "shared" / "datasets"
PREFIX = "BenchSimilar"


def datasets(root: Path) -> dict[str, dict[str, Any]]:
    """The data sets and how to read them (as `bench_quality.py` reads them)."""
    amazon, ml = root / "amazon-office", root / "movielens-small"
    return {
        "amazon-office": dict(items=amazon / "items.jsonl", interactions=[amazon / "interactions.jsonl"], level=2),
        "movielens-small": dict(
            items=ml / "movies.csv", interactions=[ml / "ratings.csv", ml / "tags.csv"], min_rating=4.0, level=1
        ),
    }


def settings_for(base: Settings) -> dict[str, Settings]:
    """The compared settings, by name."""
    return {
        "content": base.model_copy(update={"behavior_weight": 0.0}),
        "behavior+content": base,
        "behavior": base.model_copy(update={"behavior_weight": 1.0}),
    }


def run_one(
    name: str, spec: dict[str, Any], k: int, workers: int, max_users: int | None, cache: Path | None
) -> dict[str, Any]:
    started = time.perf_counter()
    data = read_eval_data(
        spec["items"], spec["interactions"], policy=PositivePolicy(min_rating=spec.get("min_rating")), name=name
    )
    split = validation_split(split_data(data, "leave-last:1"))
    users = [u for u in split.users if split.train_events.get(u)]
    if max_users is not None:
        users = users[:max_users]
    item_ids = split.training.item_ids
    last = {u: item_ids[split.train_events[u][-1][1]] for u in users}
    nxt = {u: item_ids[split.test[u][0]] for u in users}
    base = Settings(prefix=PREFIX)
    t0 = time.perf_counter()
    vectors = embed_items(data.items, settings=base, cache_dir=cache)
    timings: dict[str, float] = {"embed_s": round(time.perf_counter() - t0, 1)}
    rows: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-similar-") as tmp:
        with lite.connect(Path(tmp) / "lite", in_process=False) as client:
            t0 = time.perf_counter()
            load_catalog(client, data, split, vectors, prefix=PREFIX, domain_level=spec["level"], interactions=True)
            report = train_behavior(client, base)
            timings["load_and_behavior_s"] = round(time.perf_counter() - t0, 1)
            for label, settings in settings_for(base).items():
                rec = Recommender(client, settings, max_workers=1)
                t0 = time.perf_counter()

                def one(user: str, rec: Recommender = rec) -> tuple[bool, set[str]]:
                    out = rec.similar_items(last[user], k)
                    found = {r.reasons.found_by or "" for r in out if r.item_id == nxt[user]}
                    return bool(found), found

                with ThreadPoolExecutor(max_workers=workers) as pool:
                    results = list(pool.map(one, users))
                hits = sum(1 for hit, _ in results if hit)
                by = {s: sum(1 for hit, f in results if hit and s in f) for s in ("behavior", "content")}
                rows[label] = {
                    "hr": round(hits / len(users), 4),
                    "hits": hits,
                    "hits_by": by,
                    "seconds": round(time.perf_counter() - t0, 1),
                }
                print(f"{name} {label}: HR@{k} {rows[label]['hr']}", file=sys.stderr, flush=True)
    return {
        "users": len(users),
        "k": k,
        "behavior_weight": base.behavior_weight,
        "cold_item_share": base.cold_item_share,
        "items_with_behavior": report.items_with_vector,
        "items": report.items,
        "settings": rows,
        "timings": timings,
        "seconds": round(time.perf_counter() - started, 1),
    }


def markdown(results: dict[str, Any], k: int) -> str:
    lines = ["| data set (validation users) | content | behaviour + content | behaviour |", "|---|---|---|---|"]
    for name, r in results.items():
        if not isinstance(r, dict) or "settings" not in r:
            continue
        cells = [f"{r['settings'][s]['hr']:.4f}" for s in ("content", "behavior+content", "behavior")]
        lines.append(f"| {name} ({r['users']}) | " + " | ".join(cells) + " |")
    return f"HR@{k} of item-to-item similar items\n\n" + "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the shared datasets directory")
    parser.add_argument("--datasets", nargs="*", default=["amazon-office", "movielens-small"])
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4, help="users in flight at once")
    parser.add_argument("--max-users", type=int, default=None, help="only the first N validation users")
    parser.add_argument(
        "--vector-cache",
        type=Path,
        default=None,
        help="reuse item vectors between runs (the same vectors: quality figures are unchanged; timings are not)",
    )
    parser.add_argument("--out", type=Path, default=None, help="also write similar.json and similar.md here")
    args = parser.parse_args()
    results: dict[str, Any] = {"cores": os.cpu_count(), "load_average_at_start": os.getloadavg()[0]}
    specs = datasets(args.root)
    for name in args.datasets:
        results[name] = run_one(name, specs[name], args.k, args.workers, args.max_users, args.vector_cache)
    results["load_average_at_end"] = os.getloadavg()[0]
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "similar.json").write_text(json.dumps(results, indent=2))
        (args.out / "similar.md").write_text(markdown(results, args.k))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
