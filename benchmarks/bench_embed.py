"""Embedding backends: throughput, agreement with torch fp32, and what they do to recommendation quality.

One run measures every backend on the same amazon-office item texts (built by the loaders' ``item_text``):
texts/s (the backends alternate within each repeat, in a rotating order, and the median is reported with the
load average, so a busy machine affects every backend alike), cosine to the torch fp32 vectors (mean, min),
and the validation NDCG@10 of the full recommender with each backend on amazon-office and MovieLens-small
(the validation split carved from the training part: the test split is never looked at).

A backend is ``torch``, ``onnx`` or ``onnx-int8``, optionally with ``@N`` for a maximum sequence length of N
tokens (e.g. ``onnx-int8@128``). Prints one JSON document on stdout (what ``run_all.py`` collects) and a
Markdown table on stderr. A quick run::

    python benchmarks/bench_embed.py --texts 100 --repeats 2 --datasets amazon-office --users 300
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from weaviate_recsys.settings import Settings  # noqa: E402 - after the src path is set

DEFAULT_ROOT = next(
    (p for p in (HERE.parent.parent / "shared" / "datasets", Path("/work/shared/datasets")) if p.exists()),
    HERE.parent.parent / "shared" / "datasets",
)
DEFAULT_BACKENDS = ["torch", "onnx", "onnx-int8", "onnx-int8@128"]


def parse_backend(spec: str) -> dict[str, Any]:
    """``BACKEND[@N]`` -> settings fields."""
    backend, _, length = spec.partition("@")
    if backend not in ("torch", "onnx", "onnx-int8"):
        raise SystemExit(f"unknown backend {backend!r} in {spec!r}: use torch, onnx or onnx-int8, optionally @N")
    return {"embed_backend": backend, "embed_max_seq_length": int(length) if length else None}


def sample_texts(root: Path, n: int, seed: int) -> list[str]:
    """``n`` amazon-office item texts, a seeded sample, built as a load builds them."""
    from weaviate_recsys.loaders import item_text

    with open(root / "amazon-office" / "items.jsonl", encoding="utf-8") as f:
        items = [json.loads(line) for line in f if line.strip()]
    random.Random(seed).shuffle(items)
    return [item_text(item) for item in items[:n]]


def measure_speed(settings_by_spec: dict[str, Settings], texts: list[str], repeats: int) -> dict[str, Any]:
    """Median texts/s per backend (alternating within each repeat) and cosine to the first (torch) backend."""
    import numpy as np

    from weaviate_recsys.loaders import get_embedder

    embedders = {}
    load_s = {}
    for spec, settings in settings_by_spec.items():
        started = time.perf_counter()
        embedders[spec] = get_embedder(settings)  # exported and loaded once, outside every timing
        embedders[spec].embed_batch(texts[:4])  # warm-up
        load_s[spec] = round(time.perf_counter() - started, 2)
    specs = list(embedders)
    seconds: dict[str, list[float]] = {s: [] for s in specs}
    vectors: dict[str, Any] = {}
    loads = [os.getloadavg()[0]]
    for r in range(repeats):
        for spec in specs[r % len(specs) :] + specs[: r % len(specs)]:
            started = time.perf_counter()
            out = embedders[spec].embed_batch(texts)
            seconds[spec].append(time.perf_counter() - started)
            vectors.setdefault(spec, out)
        loads.append(os.getloadavg()[0])
    reference = vectors[specs[0]]
    result = {}
    base = statistics.median(seconds[specs[0]])
    for spec in specs:
        cos = (np.asarray(vectors[spec]) * reference).sum(axis=1)
        med = statistics.median(seconds[spec])
        result[spec] = {
            "name": embedders[spec].name,
            "texts_per_s": round(len(texts) / med, 2),
            "speedup": round(base / med, 2),
            "seconds": [round(s, 2) for s in seconds[spec]],
            "cosine_mean": round(float(cos.mean()), 4),
            "cosine_min": round(float(cos.min()), 4),
            "first_load_s": load_s[spec],
        }
    return {"texts": len(texts), "repeats": repeats, "reference": specs[0], "load_average": loads, "backends": result}


def quality_runs(root: Path) -> dict[str, dict[str, Any]]:
    """The data sets as ``bench_quality.py`` reads them (MovieLens: ratings >= 4 are positives, tags are text)."""
    ml = root / "movielens-small"
    amazon = root / "amazon-office"
    return {
        "amazon-office": {
            "items": amazon / "items.jsonl",
            "interactions": [amazon / "interactions.jsonl"],
            "min_rating": 4.0,
            "domain_level": 2,
        },
        "movielens-small": {
            "items": ml / "movies.csv",
            "interactions": [ml / "ratings.csv", ml / "tags.csv"],
            "min_rating": 4.0,
            "domain_level": 1,
        },
    }


@contextlib.contextmanager
def lite_client() -> Iterator[Any]:
    """A fresh lite server in a child process (as the evaluation runs it)."""
    from weaviate_recsys import lite

    with (
        tempfile.TemporaryDirectory(prefix="bench-embed-") as tmp,
        lite.connect(Path(tmp) / "lite", in_process=False) as client,
    ):
        yield client


def validation_ndcg(name: str, run: dict[str, Any], settings: Settings, users: int, seed: int) -> dict[str, Any]:
    """Validation NDCG@10 of the full recommender (``multi-granularity``) with ``settings``' embedder."""
    from weaviate_recsys.eval import evaluate
    from weaviate_recsys.eval.data import PositivePolicy, read_eval_data
    from weaviate_recsys.eval.registry import MethodContext, resolve_methods
    from weaviate_recsys.eval.runner import EVAL_PREFIX
    from weaviate_recsys.eval.split import split_data, validation_split
    from weaviate_recsys.eval.vectors import embed_items
    from weaviate_recsys.eval.weaviate_methods import load_catalog

    started = time.perf_counter()
    data = read_eval_data(
        run["items"], run["interactions"], policy=PositivePolicy(min_rating=run["min_rating"]), name=name
    )
    split = validation_split(split_data(data, "leave-last:1"))  # carved from training: the test part stays unseen
    if users and users < len(split.test):
        keep = sorted(random.Random(seed).sample(sorted(split.test), users))
        split = dataclasses.replace(split, test={u: split.test[u] for u in keep})
    t0 = time.perf_counter()
    vectors = embed_items(data.items, settings=settings)
    embed_s = time.perf_counter() - t0
    spec = resolve_methods(["multi-granularity"])[0]
    with lite_client() as client:
        ctx = MethodContext(data=data, split=split, settings=settings, item_vectors=vectors, client=client)
        ctx.catalog = load_catalog(
            client,
            data,
            split,
            vectors,
            prefix=settings.prefix + EVAL_PREFIX,
            domain_level=run["domain_level"],
            interactions=True,
        )
        method = spec.build(ctx)
        report = evaluate(split, [method], [10], dataset=name, item_vectors=vectors)
    overall = next(iter(report.methods.values())).overall
    return {
        "ndcg@10": round(float(overall["ndcg@10"]), 4),
        "hr@10": round(float(overall["hr@10"]), 4),
        "users": len(split.test),
        "embed_s": round(embed_s, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def markdown(result: dict[str, Any]) -> str:
    speed = result.get("speed", {}).get("backends") or {spec: None for spec in result["backends"]}
    datasets = list(result.get("quality", {}))
    head = "| backend | texts/s | x torch | cosine mean | cosine min |" + "".join(
        f" {d} NDCG@10 (vs torch) |" for d in datasets
    )
    lines = [head, "|---" + "|---:" * (4 + len(datasets)) + "|"]
    for spec, s in speed.items():
        row = f"| {spec} |" + (
            " - | - | - | - |"
            if s is None
            else f" {s['texts_per_s']} | {s['speedup']} | {s['cosine_mean']} | {s['cosine_min']} |"
        )
        for d in datasets:
            q = result["quality"][d].get(spec)
            base = result["quality"][d].get(next(iter(speed)))
            if q is None:
                row += " - |"
            else:
                rel = f" ({q['ndcg@10'] / base['ndcg@10'] - 1:+.1%})" if base and base["ndcg@10"] else ""
                row += f" {q['ndcg@10']}{rel} |"
        lines.append(row)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the shared datasets directory")
    parser.add_argument(
        "--backends",
        nargs="*",
        default=DEFAULT_BACKENDS,
        help="BACKEND[@MAX_SEQ_LENGTH]; the first is the reference for cosines and speed-ups",
    )
    parser.add_argument(
        "--texts", type=int, default=300, help="amazon-office item texts for speed and cosine (0: skip, NDCG only)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per backend (alternating)")
    parser.add_argument("--batch-size", type=int, default=Settings.model_fields["embed_batch_size"].default)
    parser.add_argument(
        "--datasets",
        nargs="*",
        default=["amazon-office", "movielens-small"],
        help="data sets for validation NDCG@10 (none: speed and cosine only)",
    )
    parser.add_argument(
        "--quality-backends",
        nargs="*",
        default=None,
        help="backends for the NDCG runs (default: all of --backends but plain onnx, whose vectors "
        "are torch's to 1e-4)",
    )
    parser.add_argument("--users", type=int, default=1000, help="validation users per data set (0: all), seeded")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", type=Path, default=None, help="where exports are cached (default: settings)")
    args = parser.parse_args()

    settings_by_spec = {
        spec: Settings(embed_batch_size=args.batch_size, cache_dir=args.cache_dir, **parse_backend(spec))
        for spec in args.backends
    }
    command = "python benchmarks/bench_embed.py " + " ".join(sys.argv[1:])
    result: dict[str, Any] = {
        "cores": os.cpu_count(),
        "command": command.strip(),
        "backends": args.backends,
        "load_average_at_start": os.getloadavg(),
    }
    if args.texts > 0:
        texts = sample_texts(args.root, args.texts, args.seed)
        result["speed"] = measure_speed(settings_by_spec, texts, args.repeats)
        print(markdown(result), file=sys.stderr, flush=True)
        print(
            f"load average (1 min) before and after each repeat: {result['speed']['load_average']}",
            file=sys.stderr,
            flush=True,
        )
    result["quality"] = {}
    runs = quality_runs(args.root)
    for name in args.datasets:
        result["quality"][name] = {}
        for spec, settings in settings_by_spec.items():
            chosen = (
                args.quality_backends
                if args.quality_backends is not None
                else [b for b in args.backends if b != "onnx"]
            )
            if spec not in chosen:
                continue
            result["quality"][name][spec] = validation_ndcg(name, runs[name], settings, args.users, args.seed)
            print(f"{name} {spec}: {result['quality'][name][spec]}", file=sys.stderr, flush=True)
    result["load_average_at_end"] = os.getloadavg()
    print(markdown(result), file=sys.stderr, flush=True)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
