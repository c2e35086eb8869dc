"""Embedding backends: choosing one, the cached ONNX export, and keeping vectors of two backends apart.

A tiny randomly initialised sentence-transformers model (the packaged tokenizer, a 2-layer 32-wide BERT) stands
in for all-MiniLM-L6-v2, so an export takes a second instead of a minute.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from weaviate_recsys.cli import main
from weaviate_recsys.errors import ConfigurationError
from weaviate_recsys.loaders import (
    DEFAULT_MODEL_NAME,
    HashingEmbedder,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    content_hash,
    default_model_path,
    embedder_name,
    get_embedder,
    load_items,
    onnx_backend,
    require_same_embedder,
    settings_embedder_name,
    stored_embedder,
)
from weaviate_recsys.schema import collection_name
from weaviate_recsys.settings import Settings

TEXTS = ["a fountain pen with blue ink", "an ink pen", "a tent for camping in the mountains with friends", ""]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small sentence-transformers model directory: mean pooling and normalisation, like all-MiniLM-L6-v2."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as models
    from transformers import BertConfig, BertModel

    root = tmp_path_factory.mktemp("tiny")
    bert = root / "bert"
    torch.manual_seed(0)
    BertModel(
        BertConfig(
            vocab_size=30522,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=64,
        )
    ).save_pretrained(bert)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(default_model_path() / name, bert / name)
    transformer = models.Transformer(str(bert), max_seq_length=32)
    st = SentenceTransformer(modules=[transformer, models.Pooling(32, "mean"), models.Normalize()], device="cpu")
    st.save(str(root / "model"))
    return root / "model"


# --- choosing a backend --------------------------------------------------------------------------------------


def test_the_default_embedder_is_int8_onnx_at_128_tokens_on_the_cpu():
    settings = Settings()
    assert (settings.embed_backend, settings.embed_max_seq_length, settings.embed_device) == ("onnx-int8", 128, "cpu")


def test_backend_device_and_length_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("WEAVIATE_RECSYS_EMBED_BACKEND", "torch")
    monkeypatch.setenv("WEAVIATE_RECSYS_EMBED_DEVICE", "cuda")
    monkeypatch.setenv("WEAVIATE_RECSYS_EMBED_MAX_SEQ_LENGTH", "256")
    settings = Settings()
    assert (settings.embed_backend, settings.embed_device, settings.embed_max_seq_length) == ("torch", "cuda", 256)
    monkeypatch.setenv("WEAVIATE_RECSYS_EMBED_BACKEND", "tensorflow")
    with pytest.raises(ValidationError, match="embed_backend"):
        Settings()


def test_cache_dir_defaults_to_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("WEAVIATE_RECSYS_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert Settings().resolved_cache_dir() == tmp_path / "weaviate-recsys"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert Settings().resolved_cache_dir() == Path.home() / ".cache" / "weaviate-recsys"
    monkeypatch.setenv("WEAVIATE_RECSYS_CACHE_DIR", str(tmp_path / "mine"))
    assert Settings().resolved_cache_dir() == tmp_path / "mine"


@pytest.mark.slow  # exports the tiny model (seconds; more on a busy machine)
def test_get_embedder_runs_the_chosen_backend(tiny_model, tmp_path):
    torch_embedder = get_embedder(Settings(model=str(tiny_model), embed_backend="torch", cache_dir=tmp_path))
    onnx_embedder = get_embedder(Settings(model=str(tiny_model), embed_backend="onnx", cache_dir=tmp_path))
    assert isinstance(torch_embedder, SentenceTransformerEmbedder)
    assert isinstance(onnx_embedder, OnnxEmbedder)
    assert onnx_embedder.dim == torch_embedder.dim == 32
    # fp32 ONNX computes what torch computes: same tokens, pooling and normalisation.
    a, b = torch_embedder.embed_batch(TEXTS), onnx_embedder.embed_batch(TEXTS)
    assert b.dtype == np.float32 and b.shape == (4, 32)
    np.testing.assert_allclose(a, b, atol=1e-4)


@pytest.mark.slow  # exports the tiny model (seconds; more on a busy machine)
def test_int8_vectors_stay_close_to_fp32(tiny_model, tmp_path):
    fp32 = get_embedder(Settings(model=str(tiny_model), embed_backend="torch", cache_dir=tmp_path)).embed_batch(TEXTS)
    int8 = get_embedder(Settings(model=str(tiny_model), embed_backend="onnx-int8", cache_dir=tmp_path))
    vectors = int8.embed_batch(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert (vectors * fp32).sum(axis=1).min() > 0.95


@pytest.mark.slow  # exports the tiny model (seconds; more on a busy machine)
def test_a_shorter_sequence_length_cuts_long_texts(tiny_model, tmp_path):
    long_text = "paper " * 10 + "stapler " * 40
    full = get_embedder(Settings(model=str(tiny_model), embed_backend="onnx", cache_dir=tmp_path))
    short = get_embedder(
        Settings(model=str(tiny_model), embed_backend="onnx", embed_max_seq_length=8, cache_dir=tmp_path)
    )
    cut = full.embed_batch(["paper " * 6])[0]  # [CLS] + 6 words + [SEP] = 8 tokens
    assert short.embed_batch([long_text])[0] @ cut > 0.9999
    assert full.embed_batch([long_text])[0] @ cut < 0.999


@pytest.mark.slow  # exports the tiny model (seconds; more on a busy machine)
def test_cuda_without_a_gpu_is_a_clear_error(tiny_model, tmp_path):
    with pytest.raises(ConfigurationError, match="--device cuda"):
        SentenceTransformerEmbedder(str(tiny_model), device="cuda")
    with pytest.raises(ConfigurationError, match="CPU only"):
        OnnxEmbedder(tiny_model, "tiny", "onnx-int8", tmp_path, device="cuda")


# --- the export cache ------------------------------------------------------------------------------------


@pytest.mark.slow  # exports the tiny model (seconds; more on a busy machine)
def test_the_export_is_made_once_and_read_from_the_cache(tiny_model, tmp_path, monkeypatch):
    first = OnnxEmbedder(tiny_model, "tiny", "onnx-int8", tmp_path)
    assert first.export_dir.parent == tmp_path / "onnx"
    meta = json.loads((first.export_dir / "export.json").read_text())
    assert meta["backend"] == "onnx-int8" and meta["dim"] == 32 and meta["max_seq_length"] == 32

    def no_second_export(*args: object) -> None:
        raise AssertionError("exported again instead of reading the cache")

    monkeypatch.setattr(onnx_backend, "_export", no_second_export)
    second = OnnxEmbedder(tiny_model, "tiny", "onnx-int8", tmp_path)
    assert second.export_dir == first.export_dir
    np.testing.assert_array_equal(first.embed_batch(TEXTS), second.embed_batch(TEXTS))
    assert [p.name for p in (tmp_path / "onnx").iterdir()] == [first.export_dir.name]  # no temporary leftovers


@pytest.mark.slow  # exports the tiny model (seconds; more on a busy machine)
def test_the_cache_is_keyed_by_backend_and_library_versions(tiny_model, tmp_path, monkeypatch):
    int8 = onnx_backend.export_onnx_model(tiny_model, "onnx-int8", tmp_path)
    fp32 = onnx_backend.export_onnx_model(tiny_model, "onnx", tmp_path)
    assert int8 != fp32
    monkeypatch.setattr(onnx_backend, "_version", lambda package: "99.0")
    assert onnx_backend.export_onnx_model(tiny_model, "onnx", tmp_path) not in (int8, fp32)


@pytest.mark.slow  # exports the tiny model (seconds; more on a busy machine)
def test_a_process_that_loses_the_export_race_uses_the_winners_copy(tiny_model, tmp_path, monkeypatch):
    real_export = onnx_backend._export
    key = onnx_backend._cache_key(tiny_model, "onnx")

    def export_while_another_process_finishes(location: Path, backend: str, work: Path) -> dict:
        winner = tmp_path / "onnx" / key
        winner.mkdir()
        (winner / "export.json").write_text(json.dumps({"winner": True}))
        return real_export(location, backend, work)

    monkeypatch.setattr(onnx_backend, "_export", export_while_another_process_finishes)
    target = onnx_backend.export_onnx_model(tiny_model, "onnx", tmp_path)
    assert json.loads((target / "export.json").read_text()) == {"winner": True}
    assert [p.name for p in (tmp_path / "onnx").iterdir()] == [key]


# --- names, hashes and the record in the store -------------------------------------------------------------


def test_the_embedder_name_carries_backend_and_versions():
    assert embedder_name(DEFAULT_MODEL_NAME) == DEFAULT_MODEL_NAME  # stores loaded with torch stay unchanged
    int8 = embedder_name(DEFAULT_MODEL_NAME, "onnx-int8")
    versions = onnx_backend.backend_versions("onnx-int8")
    assert int8.startswith(DEFAULT_MODEL_NAME) and "onnx-int8" in int8
    assert f"onnxruntime={versions['onnxruntime']}" in int8
    assert "max_seq_length=128" in embedder_name(DEFAULT_MODEL_NAME, "torch", 128)
    assert settings_embedder_name(Settings(embed_backend="onnx-int8", embed_max_seq_length=None)) == int8
    assert settings_embedder_name(Settings()) == embedder_name(DEFAULT_MODEL_NAME, "onnx-int8", 128)


def test_a_length_the_model_cannot_reach_keeps_its_identity():
    # all-MiniLM-L6-v2 embeds at most 256 tokens: a longer limit changes nothing, so nothing is re-embedded.
    assert settings_embedder_name(Settings(embed_backend="torch", embed_max_seq_length=512)) == DEFAULT_MODEL_NAME
    assert settings_embedder_name(Settings(embed_backend="torch", embed_max_seq_length=256)) == DEFAULT_MODEL_NAME


@pytest.mark.slow  # exports the tiny model (seconds; more on a busy machine)
def test_the_default_length_works_for_a_model_shorter_than_it(tiny_model, tmp_path):
    # The tiny model embeds 32 tokens at most; the default 128 must not ask it for more.
    embedder = get_embedder(Settings(model=str(tiny_model), cache_dir=tmp_path))
    assert "max_seq_length" not in embedder.name
    assert embedder.embed_batch(["paper " * 100]).shape == (1, 32)


def test_the_content_hash_differs_by_backend():
    props = {"item_id": "1", "title": "Pen"}
    hashes = {content_hash(props, embedder_name(DEFAULT_MODEL_NAME, b)) for b in ("torch", "onnx", "onnx-int8")}
    assert len(hashes) == 3


class _NamedEmbedder(HashingEmbedder):
    def __init__(self, name: str) -> None:
        super().__init__(16)
        self.name = name
        self.embedded = 0

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        self.embedded += len(texts)
        return super().embed_batch(texts)


def _items(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    rows = [{"item_id": str(n), "title": f"pen {n}", "categories": ["Office", "Pens"]} for n in range(5)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_switching_backend_re_embeds_and_says_so(client, tmp_path):
    settings = Settings(prefix="Switch")
    torch_name, int8_name = embedder_name("m"), embedder_name("m", "onnx-int8")
    first = load_items(client, [_items(tmp_path)], settings, _NamedEmbedder(torch_name))
    assert first.written == 5 and first.notes == []
    collection = client.collections.get(collection_name("Item", "Switch"))
    assert stored_embedder(collection) == torch_name

    same = _NamedEmbedder(torch_name)
    again = load_items(client, [_items(tmp_path)], settings, same)
    assert again.unchanged == 5 and same.embedded == 0 and again.notes == []

    switched = _NamedEmbedder(int8_name)
    result = load_items(client, [_items(tmp_path)], settings, switched)
    assert result.written == 5 and switched.embedded == 5
    assert len(result.notes) == 1
    assert f"embedded by {torch_name}" in result.notes[0] and int8_name in result.notes[0]
    assert "--backend" in result.notes[0]
    assert stored_embedder(collection) == int8_name


def test_query_text_from_another_backend_is_refused(client, tmp_path):
    load_items(client, [_items(tmp_path)], Settings(prefix="Mismatch"), _NamedEmbedder(embedder_name("m")))
    collection = client.collections.get(collection_name("Item", "Mismatch"))
    require_same_embedder(collection, embedder_name("m"))  # the same embedder: fine
    with pytest.raises(ConfigurationError, match="embedded by m, but this process embeds text with m \\[onnx-int8"):
        require_same_embedder(collection, embedder_name("m", "onnx-int8"))


@pytest.mark.slow  # exports the tiny model (seconds; more on a busy machine)
def test_cli_backend_option_chooses_the_embedder_and_reports_a_switch(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("WEAVIATE_RECSYS_CACHE_DIR", str(tmp_path / "cache"))
    items = _items(tmp_path)
    base = ["load", "items", str(items), "--model", str(tiny_model), "--data-dir", str(tmp_path / "data")]
    runner = CliRunner()
    first = runner.invoke(main, [*base, "--backend", "onnx"])
    assert first.exit_code == 0, first.output
    assert "written 5" in first.output
    second = runner.invoke(main, [*base, "--backend", "torch", "--format", "json"])
    assert second.exit_code == 0, second.output
    assert "was embedded by" in second.stderr and "[onnx " in second.stderr
    assert json.loads(second.stdout)["written"] == 5
    bad = runner.invoke(main, [*base, "--backend", "tensorflow"])
    assert bad.exit_code == 2 and "tensorflow" in bad.output
