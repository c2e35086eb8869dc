"""Domain classifier accuracy per domain rule: on the stored item vectors and label-free.

Runs `fit_domain_model` (what `domains train` computes) on a data set's item vectors for each domain rule and
prints one JSON line per rule: the number of domains, the cross-validated accuracy and macro-F1 on the stored
vectors (whose text holds the category labels) and on held-out items embedded from their text without the labels.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from weaviate_recsys.eval.data import item_domains, read_eval_data  # noqa: E402
from weaviate_recsys.eval.vectors import embed_items  # noqa: E402
from weaviate_recsys.loaders import get_embedder  # noqa: E402
from weaviate_recsys.plugin.training import fit_domain_model  # noqa: E402
from weaviate_recsys.settings import Settings  # noqa: E402

DEFAULT_ROOT = HERE.parent.parent / "shared" / "datasets"
FILES = {
    "amazon-office": ("amazon-office/items.jsonl", "amazon-office/interactions.jsonl", 2),
    "movielens-small": ("movielens-small/movies.csv", "movielens-small/ratings.csv", 1),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the shared datasets directory")
    parser.add_argument("--dataset", choices=sorted(FILES), default="movielens-small")
    parser.add_argument("--rules", nargs="*", default=["rarest", "first", "commonest"])
    parser.add_argument("--vector-cache", type=Path, default=None, help="reuse item vectors between runs")
    args = parser.parse_args()
    items, interactions, level = FILES[args.dataset]
    data = read_eval_data(args.root / items, [args.root / interactions])
    settings = Settings()
    vectors = embed_items(data.items, cache_dir=args.vector_cache, settings=settings)
    embedder = get_embedder(settings)
    for rule in args.rules:
        domains = item_domains(data.items, level, rule)  # type: ignore[arg-type]
        props = [
            {
                "title": item.title,
                "description": item.description,
                "brand": item.brand,
                "categories": list(item.categories),
                "tags": list(item.tags),
                **({"domain": domain} if domain else {}),
            }
            for item, (domain, _) in zip(data.items, domains)
        ]
        started = time.perf_counter()
        model = fit_domain_model(props, vectors.tolist(), embed_without_labels=embedder.embed_batch)
        free = model.classifier.label_free_metrics_
        line = {
            "dataset": args.dataset,
            "rule": rule,
            "domains": len(model.classifier.classes_),
            "labelled_items": model.labelled,
            "stored_vectors": model.classifier.metrics_.model_dump(),
            "label_free": free.model_dump() if free else None,
            "seconds": round(time.perf_counter() - started, 1),
            "load_average": os.getloadavg()[0],
        }
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
