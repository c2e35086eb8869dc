"""Which embedder made the vectors in a collection, so text embedded later uses the same one.

Loads record the embedder's name (model, backend, library versions; ``embedding.embedder_name``) in each
embedded object's ``embedder`` property. A load with another embedder re-embeds every row (the name is part of
the content hash) and says so; a query that embeds text with another embedder than the catalog's is refused,
because cosine similarities between vectors of two embedders mean little.
"""

from __future__ import annotations

from typing import Any

from weaviate.exceptions import WeaviateBaseError

from ..errors import ConfigurationError

__all__ = ["EMBEDDER_PROPERTY", "stored_embedder", "switch_note", "require_same_embedder"]

#: The property that records the embedder of an object's vectors.
EMBEDDER_PROPERTY = "embedder"

_SAMPLE = 20  # objects looked at: rows without text carry no embedder


def stored_embedder(collection: Any) -> str | None:
    """The embedder recorded on the collection's embedded objects (None: empty, or loaded before it was recorded).

    One small request; a collection that cannot be read counts as unknown.
    """
    try:
        res = collection.query.fetch_objects(limit=_SAMPLE, return_properties=[EMBEDDER_PROPERTY])
    except WeaviateBaseError:
        return None
    for obj in res.objects:
        value = obj.properties.get(EMBEDDER_PROPERTY)
        if isinstance(value, str) and value:
            return value
    return None


def _choose_hint() -> str:
    return "choose the embedder with --backend / --model (WEAVIATE_RECSYS_EMBED_BACKEND, WEAVIATE_RECSYS_MODEL)"


def switch_note(collection_name: str, stored: str | None, current: str) -> str | None:
    """The message a load gives when it re-embeds a collection made by another embedder, else None."""
    if stored is None or stored == current:
        return None
    return (
        f"{collection_name} was embedded by {stored}; this load embeds with {current}, so every row with text is "
        f"re-embedded. To keep the stored vectors, {_choose_hint()} to match them."
    )


def require_same_embedder(collection: Any, current: str) -> None:
    """Refuse to embed query-time text with another embedder than the one the collection's vectors came from.

    Raises:
        ConfigurationError: the collection records a different embedder.
    """
    stored = stored_embedder(collection)
    if stored is not None and stored != current:
        raise ConfigurationError(
            f"{collection.name}'s vectors were embedded by {stored}, but this process embeds text with {current}: "
            f"their similarities would be meaningless. {_choose_hint()} to match the catalog, or load the items "
            "again with this embedder."
        )
