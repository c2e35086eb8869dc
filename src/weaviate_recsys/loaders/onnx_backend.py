"""ONNX Runtime backends for the sentence-transformer: ``onnx`` (fp32) and ``onnx-int8`` (quantised weights).

The model is exported locally from the installed sentence-transformers model (nothing is downloaded), once,
into a cache directory keyed by the model's files, the backend and the versions of the libraries that made
the export. Concurrent processes never see a half-written export: each writes into its own temporary
directory and renames it into place; the loser of a race drops its copy and uses the winner's.

``onnx-int8`` is dynamic quantisation with per-channel int8 weights on the MatMul nodes only: the token
embeddings, layer norms and activations stay fp32. Per-tensor weights (onnxruntime's default) lose too much
(mean cosine 0.951 to the fp32 vectors on amazon-office texts, minimum 0.91); per-channel keeps 0.994
(docs/embedding.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..errors import ConfigurationError

__all__ = ["EmbedBackend", "OnnxEmbedder", "backend_versions", "export_onnx_model", "ONNX_RECIPE"]

EmbedBackend = Literal["torch", "onnx", "onnx-int8"]

#: Bumped whenever the export or quantisation recipe changes, so older cached exports are not reused.
ONNX_RECIPE = 1

_EXPORT_FILE = "model.onnx"
_META_FILE = "export.json"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def backend_versions(backend: EmbedBackend) -> dict[str, str]:
    """The library versions that decide a backend's vectors (part of the content hash and the cache key).

    Read from package metadata, so nothing heavy is imported.
    """
    if backend == "torch":
        return {}
    return {"onnxruntime": _version("onnxruntime"), "torch": _version("torch"), "recipe": str(ONNX_RECIPE)}


def _require_onnxruntime() -> Any:
    try:
        import onnxruntime  # type: ignore[import-untyped]
    except ImportError as e:
        raise ConfigurationError(
            "the onnx embedding backends need onnxruntime and onnx (dependencies of weaviate-recsys): "
            "`pip install onnxruntime onnx`, or use --backend torch"
        ) from e
    return onnxruntime


def _model_fingerprint(location: Path) -> str:
    """Identifies the model's files without reading 90 MB of weights: names, sizes and the small files' bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in location.rglob("*") if p.is_file()):
        rel = path.relative_to(location).as_posix()
        if rel.startswith(".") or rel.endswith(".md"):
            continue
        size = path.stat().st_size
        digest.update(f"{rel}\x00{size}\x00".encode())
        if size <= 1_000_000:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_key(location: Path, backend: EmbedBackend) -> str:
    versions = backend_versions(backend)
    parts = [backend, _model_fingerprint(location)] + [f"{k}{v}" for k, v in sorted(versions.items())]
    return "-".join(p.replace("+", "_").replace("/", "_") for p in parts)


class _SentenceEmbeddingGraph:
    """The sentence-transformers pipeline (transformer, pooling, normalisation) as one traceable module."""

    @staticmethod
    def build(model: Any, input_names: list[str]) -> Any:
        import torch

        class Graph(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, *inputs: Any) -> Any:
                features = dict(zip(input_names, inputs, strict=True))
                return self.model(features)["sentence_embedding"]

        return Graph().eval()


def export_onnx_model(location: Path, backend: EmbedBackend, cache_dir: Path) -> Path:
    """The cached export of the model at ``location`` for ``backend``, made now if it is not there yet.

    Returns:
        The export's directory (``model.onnx`` and ``export.json`` with the dimension, maximum sequence length
        and input names).

    Raises:
        ConfigurationError: onnxruntime or onnx is missing, or the cache directory is not writable.
    """
    _require_onnxruntime()
    target = cache_dir / "onnx" / _cache_key(location, backend)
    if (target / _META_FILE).exists():
        return target
    try:
        cache_dir.joinpath("onnx").mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".export-", dir=cache_dir / "onnx"))
    except OSError as e:
        raise ConfigurationError(
            f"cannot write the embedding cache {cache_dir}: {e.strerror or e}; set WEAVIATE_RECSYS_CACHE_DIR to a "
            "writable directory"
        ) from e
    try:
        meta = _export(location, backend, work)
        (work / _META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        try:
            os.rename(work, target)
        except OSError:
            if not (target / _META_FILE).exists():  # not a lost race: a real failure
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _export(location: Path, backend: EmbedBackend, work: Path) -> dict[str, Any]:
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(
        str(location), device="cpu", local_files_only=True, model_kwargs={"attn_implementation": "eager"}
    )  # SDPA does not trace cleanly
    input_names = ["input_ids", "attention_mask"]
    if "token_type_ids" in st.tokenizer.model_input_names:
        input_names.append("token_type_ids")
    example = tuple(torch.ones((2, 8), dtype=torch.long) for _ in input_names)
    fp32 = work / ("fp32.onnx" if backend == "onnx-int8" else _EXPORT_FILE)
    dynamic = {name: {0: "batch", 1: "sequence"} for name in input_names}
    dynamic["sentence_embedding"] = {0: "batch"}
    with torch.no_grad(), contextlib.redirect_stdout(None), _no_warnings():
        torch.onnx.export(
            _SentenceEmbeddingGraph.build(st, input_names),
            example,
            str(fp32),
            input_names=input_names,
            output_names=["sentence_embedding"],
            dynamic_axes=dynamic,
            opset_version=17,
            dynamo=False,
        )
    if backend == "onnx-int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic  # type: ignore[import-untyped]

        with _no_warnings():
            quantize_dynamic(
                fp32,
                work / _EXPORT_FILE,
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul"],
            )
        fp32.unlink()
    dim = (getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension)()
    return {
        "dim": int(dim or 0),
        "max_seq_length": int(st.max_seq_length or 512),
        "inputs": input_names,
        "backend": backend,
        "versions": backend_versions(backend),
    }


@contextlib.contextmanager
def _no_warnings() -> Any:
    import logging
    import warnings

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # onnxruntime.quantization logs advice through the root logger
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


class OnnxEmbedder:
    """The sentence-transformer run by ONNX Runtime: same tokenizer, pooling and normalisation as torch.

    Args:
        location: the sentence-transformers model directory.
        name: the embedder's identity (see ``embedding.embedder_name``).
        backend: ``onnx`` or ``onnx-int8``.
        cache_dir: where exports are kept.
        batch_size: texts per forward pass; texts are sorted by length first, so a batch pads little.
        device: ``cpu`` or ``cuda`` (``onnx`` only; needs onnxruntime-gpu).
        max_seq_length: tokens per text (None: the model's).
    """

    def __init__(
        self,
        location: Path,
        name: str,
        backend: EmbedBackend,
        cache_dir: Path,
        batch_size: int = 16,
        device: str = "cpu",
        max_seq_length: int | None = None,
    ) -> None:
        ort = _require_onnxruntime()
        if device == "cuda":
            if backend == "onnx-int8":
                raise ConfigurationError(
                    "the onnx-int8 backend runs on the CPU only; use --backend onnx or torch with --device cuda"
                )
            if "CUDAExecutionProvider" not in ort.get_available_providers():
                raise ConfigurationError(
                    "--device cuda with the onnx backend needs onnxruntime-gpu "
                    "(`pip install onnxruntime-gpu`), or use --backend torch"
                )
        export = export_onnx_model(location, backend, cache_dir)
        meta = json.loads((export / _META_FILE).read_text(encoding="utf-8"))
        self.name = name
        self.dim = int(meta["dim"])
        self.backend = backend
        self.batch_size = batch_size
        self.export_dir = export
        self._inputs: list[str] = list(meta["inputs"])
        self._tokenizer = _load_tokenizer(location)
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_seq_length or int(meta["max_seq_length"]))
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if device == "cuda" else ["CPUExecutionProvider"]
        self._session = ort.InferenceSession(str(export / _EXPORT_FILE), options, providers=providers)
        self._lock = threading.Lock()

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(texts)
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(-lengths, kind="stable")
        with self._lock:  # one forward pass at a time: onnxruntime already uses every core
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                width = int(lengths[rows].max())
                ids = np.zeros((len(rows), width), dtype=np.int64)
                mask = np.zeros_like(ids)
                types = np.zeros_like(ids)
                for r, i in enumerate(rows):
                    enc = encodings[i]
                    ids[r, : lengths[i]] = enc.ids
                    mask[r, : lengths[i]] = enc.attention_mask
                    types[r, : lengths[i]] = enc.type_ids
                feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
                out[rows] = self._session.run(None, {k: feed[k] for k in self._inputs})[0]
        return out


def _load_tokenizer(location: Path) -> Any:
    """The model's fast tokenizer (``tokenizers.Tokenizer``), with the special tokens sentence-transformers adds."""
    if (location / "tokenizer.json").exists():
        from tokenizers import Tokenizer

        return Tokenizer.from_file(str(location / "tokenizer.json"))
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(location), local_files_only=True).backend_tokenizer
