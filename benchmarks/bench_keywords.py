"""Keyword quality benchmark: do users' keywords occur in their next item, more than generic keywords do?

On the validation split of amazon-office and movielens-small (carved from training; the test part is never
read), every user's keywords are built as the recommender builds them (`product_keywords`: the extractor
fitted as ``train_domains`` fits it, profiles by ``compute_profiles``) and scored by
`weaviate_recsys.eval.keyword_quality.keyword_quality` against three baselines (popular keywords, another
user's keywords, another user's next item). Settings come from the environment (``WEAVIATE_RECSYS_*``, e.g.
``WEAVIATE_RECSYS_KEYWORD_USER_WEIGHT``). Prints one JSON document on stdout (what ``run_all.py`` collects).
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

from weaviate_recsys.eval.data import PositivePolicy, read_eval_data  # noqa: E402
from weaviate_recsys.eval.keyword_quality import keyword_quality, product_keywords  # noqa: E402
from weaviate_recsys.eval.split import split_data, validation_split  # noqa: E402
from weaviate_recsys.settings import Settings  # noqa: E402

DEFAULT_ROOT = HERE.parent.parent / "shared" / "datasets"


def datasets(root: Path) -> dict[str, dict[str, Any]]:
    """The same files and positives as the quality benchmark (MovieLens: ratings >= 4, tags are user text)."""
    amazon, ml = root / "amazon-office", root / "movielens-small"
    return {
        "amazon-office": dict(
            items=amazon / "items.jsonl", interactions=[amazon / "interactions.jsonl"], min_rating=None
        ),
        "movielens-small": dict(
            items=ml / "movies.csv", interactions=[ml / "ratings.csv", ml / "tags.csv"], min_rating=4.0
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the shared datasets directory")
    parser.add_argument("--datasets", nargs="*", default=["amazon-office", "movielens-small"])
    parser.add_argument("--split", default="leave-last:1")
    parser.add_argument("--k", type=int, default=10, help="keywords per user that count")
    args = parser.parse_args()
    settings = Settings()
    results: dict[str, Any] = {
        "cores": os.cpu_count(),
        "load_average_at_start": os.getloadavg()[0],
        "k": args.k,
        "split": f"validation of {args.split}",
        "keyword_user_weight": settings.keyword_user_weight,
    }
    files = datasets(args.root)
    for name in args.datasets:
        spec = files[name]
        started = time.perf_counter()
        data = read_eval_data(
            spec["items"], spec["interactions"], None, policy=PositivePolicy(min_rating=spec["min_rating"]), name=name
        )
        split = validation_split(split_data(data, args.split))
        keywords, extractor = product_keywords(data, split, settings)
        quality = keyword_quality(split, data, keywords, extractor, k=args.k)
        seconds = round(time.perf_counter() - started, 1)
        print(
            f"{name}: precision@{args.k} {quality.keywords.precision:.4f}, lift over other-item "
            f"{quality.lift.get('other-item')} ({seconds}s)",
            file=sys.stderr,
            flush=True,
        )
        results[name] = {"seconds": seconds, "vocabulary": len(extractor.terms_), **quality.model_dump(mode="json")}
    results["load_average_at_end"] = os.getloadavg()[0]
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
