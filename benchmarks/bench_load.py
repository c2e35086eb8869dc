"""Bulk-load throughput on the amazon-office data set, against the targets below; prints one JSON document.

- items: end-to-end ``load_items`` (read, validate, hash, embed, write) vs the embedding backend alone on the
  same texts with the same batch size (target >= 0.9x). With ``--repeats N`` the two alternate N times (each load
  into fresh collections, between two encoder-only passes) and the median of the per-repeat ratios is reported,
  so a machine whose load changes during the run affects both sides alike;
- re-loading the unchanged items vs the first load (target >= 20x faster);
- interactions without text (target >= 5,000 rows/s).

The server is the lite server in its own process by default (like a real Weaviate beside the loader);
``--server inprocess`` shares the loader's process and cores instead.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = Path(__file__).resolve().parent
DATASET = HERE.parent.parent / "shared" / "datasets" / "amazon-office"
if not DATASET.exists():
    DATASET = Path("/work/shared/datasets/amazon-office")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(mode: str):
    from weaviate_recsys import lite

    if mode == "inprocess":
        return lite.connect(), None
    port, grpc_port = free_port(), free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from weaviate_recsys.lite import serve; serve(None, port={port}, grpc_port={grpc_port})",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            client = lite.client_for(SimpleNamespace(host="127.0.0.1", http_port=port, grpc_port=grpc_port))
            if client.is_ready():
                return client, proc
            client.close()
        except Exception:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
        time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", choices=["subprocess", "inprocess"], default="subprocess")
    parser.add_argument("--batch-size", type=int, default=64, help="embedding batch size (both sides)")
    parser.add_argument("--items", type=int, default=None, help="use only the first N items")
    parser.add_argument("--repeats", type=int, default=1, help="alternating encoder-only / load repeats (median)")
    parser.add_argument(
        "--backend",
        choices=["torch", "onnx", "onnx-int8"],
        default=None,
        help="embedding backend (default: the settings'; raw encoding uses the same backend)",
    )
    args = parser.parse_args()

    import torch

    from weaviate_recsys.loaders import get_embedder, item_text, load_interactions, load_items, read_records
    from weaviate_recsys.settings import Settings

    items_path = DATASET / "items.jsonl"
    interactions_path = DATASET / "interactions.jsonl"
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    if args.items:
        lines = items_path.read_text(encoding="utf-8").splitlines(keepends=True)[: args.items]
        items_path = work / "items.jsonl"
        items_path.write_text("".join(lines), encoding="utf-8")

    settings = Settings(
        prefix="Bench",
        embed_batch_size=args.batch_size,
        domain_level=2,
        **({"embed_backend": args.backend} if args.backend else {}),
    )
    embedder = get_embedder(settings)  # loaded once, outside every timing
    texts = [item_text(r.record) for r in read_records(items_path, "items", settings=settings) if r.record]
    texts = [t for t in texts if t]

    def encode_alone() -> float:
        start = time.perf_counter()
        if settings.embed_backend == "torch":
            embedder.model.encode(
                texts,
                batch_size=args.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        else:
            embedder.embed_batch(texts)
        return time.perf_counter() - start

    load_at_start = os.getloadavg()[0]
    client, proc = start_server(args.server)
    try:
        encodes = [encode_alone()]
        loads = []
        for r in range(args.repeats):
            repeat_settings = settings.model_copy(update={"prefix": f"Bench{r}"})
            loads.append(
                load_items(client, [items_path], repeat_settings, embedder, rejects=work / "items.rejects.jsonl")
            )
            encodes.append(encode_alone())
        first = loads[0]
        settings = settings.model_copy(update={"prefix": "Bench0"})  # re-loads go to the first repeat's store
        second = load_items(client, [items_path], settings, embedder, rejects=work / "items.rejects.jsonl")
        inter = load_interactions(
            client, [interactions_path], settings, embedder, rejects=work / "interactions.rejects.jsonl"
        )
        inter_again = load_interactions(
            client, [interactions_path], settings, embedder, rejects=work / "interactions.rejects.jsonl"
        )
    finally:
        client.close()
        if proc is not None:
            proc.terminate()
            proc.wait(30)

    # Each load is compared with the mean of the encoder-only passes just before and after it.
    ratios = [
        (load.read / load.seconds) / (len(texts) / ((encodes[i] + encodes[i + 1]) / 2)) for i, load in enumerate(loads)
    ]
    encode_s = statistics.median(encodes)
    encode_rate = len(texts) / encode_s
    item_rate = statistics.median(load.read / load.seconds for load in loads)
    result = {
        "dataset": str(DATASET),
        "server": args.server,
        "machine": {
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(),
            "load_average_1m": [load_at_start, os.getloadavg()[0]],
        },
        "embed_batch_size": args.batch_size,
        "embed_backend": settings.embed_backend,
        "items": {
            "rows": first.read,
            "embedded_texts": len(texts),
            "written": first.written,
            "rejected": first.rejected,
            "load_seconds": [round(load.seconds, 2) for load in loads],
            "load_rows_per_s": round(item_rate, 1),
            "encode_alone_seconds": [round(e, 2) for e in encodes],
            "encode_alone_rows_per_s": round(encode_rate, 1),
            "ratios_vs_encode": [round(r, 3) for r in ratios],
            "ratio_vs_encode": round(statistics.median(ratios), 3),
            "target_ratio": 0.9,
        },
        "items_reload_unchanged": {
            "unchanged": second.unchanged,
            "written": second.written,
            "seconds": round(second.seconds, 3),
            "speedup_vs_first_load": round(first.seconds / second.seconds, 1),
            "target_speedup": 20,
        },
        "interactions_without_text": {
            "rows": inter.read,
            "written": inter.written,
            "rejected": inter.rejected,
            "seconds": round(inter.seconds, 2),
            "rows_per_s": round(inter.rows_per_s, 1),
            "target_rows_per_s": 5000,
            "reload_unchanged_rows_per_s": round(inter_again.rows_per_s, 1),
        },
    }
    result["targets_met"] = {
        "items_ratio": result["items"]["ratio_vs_encode"] >= 0.9,
        "reload_speedup": result["items_reload_unchanged"]["speedup_vs_first_load"] >= 20,
        "interactions_rows_per_s": result["interactions_without_text"]["rows_per_s"] >= 5000,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
