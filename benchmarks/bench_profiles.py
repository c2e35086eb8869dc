"""Benchmark of the interest model on amazon-office (second category level as domain). Prints JSON.

Measures, in one run against a lite server:
- ``domains train``: the classifier's stratified cross-validated accuracy and macro-F1 on item content
  vectors (as loaded: the loader embeds the category path too), and the same on vectors of the text
  without the category path (how well domains are predicted for items whose categories are unknown);
- ``profiles build`` for all users: users/s (wall and this process's CPU; the lite server runs in its own
  process, as a deployed Weaviate does, unless ``--in-process``) for a first build, a rebuild after one new
  event per user, and a rebuild with nothing changed;
- next-domain accuracy: each user's profile is built without their last item (highest ``seq``); how often
  the top macro domain (and any of the top 3) is the domain of that last item, against the baseline of
  always guessing the most popular domain;
- long-term interests: for users with at least 5 training events, how often the stored top domain
  (``User.domains[0]``, the long-term profile) is the domain most of their events fall in (their long-term
  majority domain; any of several tied ones counts), and the same for the short-term ``recent_domains[0]``;
- ``record``: latency of one incremental update.

Usage: python benchmarks/bench_profiles.py [--dataset DIR] [--out FILE] [--embed-cache FILE] [--in-process]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from weaviate_recsys import lite  # noqa: E402
from weaviate_recsys.loaders import SentenceTransformerEmbedder, item_text, load_interactions, load_items  # noqa: E402
from weaviate_recsys.plugin import DomainClassifier, build_profiles, record, train_domains  # noqa: E402
from weaviate_recsys.plugin.storage import iterate  # noqa: E402
from weaviate_recsys.schema import register_schema  # noqa: E402
from weaviate_recsys.settings import Settings  # noqa: E402


class CachingEmbedder:
    """Wraps an embedder with an on-disk cache keyed by text hash, so re-running the benchmark does not
    re-embed the catalog (the build, not the embedding, is what is measured here)."""

    def __init__(self, inner: Any, path: Path) -> None:
        self.inner, self.path = inner, path
        self.name, self.dim = inner.name, inner.dim
        self.cache: dict[str, np.ndarray] = {}
        if path.exists():
            data = np.load(path)
            self.cache = dict(zip(data["keys"].tolist(), data["vectors"]))
        self.misses = 0

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha256(f"{self.name}\x1f{t}".encode()).hexdigest() for t in texts]
        todo = [i for i, k in enumerate(keys) if k not in self.cache]
        if todo:
            self.misses += len(todo)
            vecs = self.inner.embed_batch([texts[i] for i in todo])
            for j, i in enumerate(todo):
                self.cache[keys[i]] = vecs[j]
        return (
            np.stack([self.cache[k] for k in keys]).astype(np.float32) if texts else np.zeros((0, self.dim), np.float32)
        )

    def save(self) -> None:
        if self.cache:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.path, keys=np.array(list(self.cache)), vectors=np.stack(list(self.cache.values())))


def _timed(fn: Any) -> tuple[Any, float, float]:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def _majority_share(
    rows: list[dict[str, Any]], item_domain: dict[str, Any], stored: dict[str, Any], settings: Settings
) -> dict[str, Any]:
    """Share of users with >= 5 events whose stored top domain is their majority domain (ties: any of them)."""
    by_user: dict[str, Counter[str]] = {}
    for r in rows:
        dom = item_domain.get(r["item_id"])
        if dom:
            by_user.setdefault(r["user_id"], Counter())[dom] += 1
    n = long_hits = short_hits = 0
    for uid, counts in by_user.items():
        if sum(counts.values()) < 5:
            continue
        most = max(counts.values())
        majority = {d for d, c in counts.items() if c == most}
        props = stored.get(uid, {})
        n += 1
        long_hits += (list(props.get("domains") or []) or [None])[0] in majority
        short_hits += (list(props.get("recent_domains") or []) or [None])[0] in majority
    return {
        "users_with_5_or_more_events": n,
        "top_domain_is_majority": round(long_hits / n, 4) if n else None,
        "recent_top_domain_is_majority": round(short_hits / n, 4) if n else None,
        "long_term_half_life_steps": settings.long_term_half_life_steps,
        "half_life_steps": settings.half_life_steps,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", type=Path, default=REPO.parent / "shared" / "datasets" / "amazon-office")
    ap.add_argument("--out", type=Path, default=None, help="Also write the JSON here.")
    ap.add_argument("--embed-cache", type=Path, default=REPO / "bench-results" / "embed-cache-minilm.npz")
    ap.add_argument("--domain-level", type=int, default=2)
    ap.add_argument("--record-calls", type=int, default=30)
    ap.add_argument(
        "--in-process",
        action="store_true",
        help="run the lite server in this process (the embedded mode: client and server share one "
        "interpreter lock, and the CPU figures include the server); by default it runs in its "
        "own process, as a deployed Weaviate does",
    )
    args = ap.parse_args()

    items = [json.loads(line) for line in (args.dataset / "items.jsonl").read_text().splitlines() if line]
    inter = [json.loads(line) for line in (args.dataset / "interactions.jsonl").read_text().splitlines() if line]
    last: dict[str, dict[str, Any]] = {}
    for r in inter:
        if r["user_id"] not in last or r["seq"] > last[r["user_id"]]["seq"]:
            last[r["user_id"]] = r
    held = {id(r) for r in last.values()}
    train_rows = [r for r in inter if id(r) not in held]

    embedder = CachingEmbedder(SentenceTransformerEmbedder(), args.embed_cache)
    result: dict[str, Any] = {
        "dataset": str(args.dataset),
        "items": len(items),
        "interactions": len(inter),
        "users": len(last),
        "domain_level": args.domain_level,
        "cpu_count": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        (tmp / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in train_rows))
        (tmp / "last.jsonl").write_text("".join(json.dumps(r) + "\n" for r in last.values()))
        settings = Settings(data_dir=tmp / "db", domain_level=args.domain_level)
        client = lite.connect(data_dir=tmp / "db", in_process=args.in_process)
        result["server"] = "in-process" if args.in_process else "own process"
        try:
            register_schema(client)
            res, wall, _ = _timed(lambda: load_items(client, [args.dataset / "items.jsonl"], settings, embedder))
            result["load_items"] = {"written": res.written, "rejected": res.rejected, "seconds": round(wall, 2)}
            res, wall, _ = _timed(lambda: load_interactions(client, [tmp / "train.jsonl"], settings, embedder))
            result["load_train_interactions"] = {
                "written": res.written,
                "rejected": res.rejected,
                "seconds": round(wall, 2),
            }

            rep, wall, cpu = _timed(lambda: train_domains(client, settings, embedder=embedder))
            result["domains_train"] = {
                "seconds": round(wall, 2),
                "cpu_seconds": round(cpu, 2),
                "domains": len(rep.domains),
                "labelled_items": rep.labelled_items,
                "predicted_items": rep.predicted_items,
                "cv": rep.metrics.model_dump(),
                # Held-out items classified from their text without the category path (docs/profiles.md).
                "cv_label_free": rep.label_free_metrics.model_dump() if rep.label_free_metrics else None,
                "vocabulary": rep.vocabulary_size,
                "phrases": rep.phrases,
            }
            # The same classifier on vectors of the text without the category path.
            labelled = [it for it in items if len(it.get("categories") or []) >= args.domain_level]
            texts = [item_text({k: v for k, v in it.items() if k != "categories"}) for it in labelled]
            X = embedder.embed_batch(texts)
            y = [it["categories"][args.domain_level - 1] for it in labelled]
            clf = DomainClassifier().fit(X, y)
            result["classifier_without_category_text"] = clf.metrics_.model_dump()

            def report(r: Any, wall: float, cpu: float) -> dict[str, Any]:
                return {
                    "users": r.users,
                    "seconds": round(wall, 2),
                    "cpu_seconds": round(cpu, 2),
                    "users_per_s_wall": round(r.users / wall, 1),
                    "users_per_s_cpu": round(r.users / cpu, 1),
                    "unchanged": r.unchanged,
                    "user_interest_objects": r.user_interest_objects,
                    "timings": r.timings,
                    "empty": r.empty,
                    "partial": r.partial,
                    "load_average_after": [round(x, 2) for x in os.getloadavg()],
                }

            r, wall, cpu = _timed(lambda: build_profiles(client, settings=settings, embedder=embedder))
            result["profiles_build_first"] = report(r, wall, cpu)

            item_domain = {
                o.properties["item_id"]: o.properties.get("domain")
                for o in iterate(client, "Item", ["item_id", "domain"])
            }
            stored = {
                o.properties["user_id"]: o.properties
                for o in iterate(client, "User", ["user_id", "domains", "recent_domains"])
            }
            top: dict[str, list[str]] = {u: list(p.get("domains") or []) for u, p in stored.items()}
            popular = Counter(item_domain.get(r["item_id"]) for r in train_rows).most_common(1)[0][0]
            hits1 = hits3 = base = n = 0
            for uid, r in last.items():
                dom = item_domain.get(r["item_id"])
                if not dom:
                    continue
                n += 1
                doms = top.get(uid, [])
                hits1 += bool(doms) and doms[0] == dom
                hits3 += dom in doms[:3]
                base += dom == popular
            recent1 = sum(
                bool(item_domain.get(r["item_id"]))
                and (stored.get(uid, {}).get("recent_domains") or [None])[0] == item_domain.get(r["item_id"])
                for uid, r in last.items()
            )
            result["next_domain"] = {
                "users": n,
                "top1": round(hits1 / n, 4),
                "top3": round(hits3 / n, 4),
                "top1_short_term": round(recent1 / n, 4),
                "most_popular_domain_baseline": round(base / n, 4),
                "most_popular_domain": popular,
            }
            result["long_term_majority"] = _majority_share(train_rows, item_domain, stored, settings)

            load_interactions(client, [tmp / "last.jsonl"], settings, embedder)
            r, wall, cpu = _timed(lambda: build_profiles(client, settings=settings, embedder=embedder))
            result["profiles_rebuild_after_new_events"] = report(r, wall, cpu)
            r, wall, cpu = _timed(lambda: build_profiles(client, settings=settings, embedder=embedder))
            result["profiles_rebuild_unchanged"] = report(r, wall, cpu)

            rng = random.Random(0)
            users = rng.sample(sorted(last), args.record_calls)
            ids = [it["item_id"] for it in items]
            times = []
            for k, uid in enumerate(users):
                ev = {"user_id": uid, "item_id": rng.choice(ids), "kind": "click", "seq": 1000 + k}
                _, wall, _ = _timed(lambda ev=ev: record(client, ev, settings, embedder))
                times.append(wall * 1000)
            result["record_ms"] = {
                "calls": len(times),
                "median": round(statistics.median(times), 1),
                "p95": round(sorted(times)[int(0.95 * (len(times) - 1))], 1),
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
            }
        finally:
            client.close()
            embedder.save()
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
