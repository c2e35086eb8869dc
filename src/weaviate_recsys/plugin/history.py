"""A user's recent interactions with the items they touched: what a profile page lists and what
"because you liked X" reasons point at.

Interactions are read in one filtered request (like the recommender's seen items) and ordered here, newest
first, by timestamp, then ``seq``; the items are read in one request by id, with their vectors when asked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import weaviate
from pydantic import BaseModel, Field

from ..errors import SchemaMissing
from ..schema.contracts import collection_name
from ..schema.identity import item_uuid
from ..settings import Settings
from .storage import fetch_by_ids, fetch_where, require_collections, vector_of

__all__ = ["HistoryEntry", "attach_items", "liked", "read_events", "read_history"]

#: Most interactions read per user (Weaviate's default QUERY_MAXIMUM_RESULTS).
_MAX_EVENTS = 10_000


class HistoryEntry(BaseModel):
    """One interaction of a user, with the item it was about.

    Attributes:
        item_id: the item (None for content without an item, such as a search).
        kind: the interaction kind (purchase, view, ...).
        kind_weight: how strongly the kind signals interest (``settings.kind_weights``; negative: dislike).
        timestamp: when it happened, if known.
        seq: its order within the user, if known.
        title: the item's title (None when the item is not in the catalog).
        domain: the item's domain.
        content_vector: the item's content vector (only when read ``with_vectors``).
        behavior_vector: the item's behaviour vector (only when read ``with_vectors`` and the item has one).
    """

    item_id: str | None = None
    kind: str
    kind_weight: float = 0.0
    timestamp: datetime | None = None
    seq: int | None = None
    title: str | None = None
    domain: str | None = None
    content_vector: list[float] | None = Field(default=None, exclude=True)
    behavior_vector: list[float] | None = Field(default=None, exclude=True)


def _recency_key(entry: HistoryEntry) -> tuple[float, int]:
    ts = entry.timestamp.timestamp() if entry.timestamp is not None else float("-inf")
    return (ts, entry.seq if entry.seq is not None else -1)


def read_events(client: weaviate.WeaviateClient, user_id: str, settings: Settings | None = None) -> list[HistoryEntry]:
    """All of the user's interactions (up to 10,000), newest first, without their items: one request.

    Returns an empty list when the Interaction collection does not exist.
    """
    settings = settings or Settings()
    interactions = collection_name("Interaction", settings.prefix)
    try:
        require_collections(client, [interactions])  # existence is remembered per client: no round trip later
    except SchemaMissing:
        return []
    objs = fetch_where(client, interactions, "user_id", [user_id], properties=["item_id", "kind", "timestamp", "seq"])
    weights = settings.kind_weights
    entries = []
    for o in objs[:_MAX_EVENTS]:
        p = o.properties
        kind = str(p.get("kind") or "")
        ts = p.get("timestamp")
        seq = p.get("seq")
        entries.append(
            HistoryEntry(
                item_id=str(p["item_id"]) if p.get("item_id") else None,
                kind=kind,
                kind_weight=float(weights.get(kind, 0.0)),
                timestamp=ts if isinstance(ts, datetime) else None,
                seq=int(seq) if seq is not None else None,
            )
        )
    entries.sort(key=_recency_key, reverse=True)
    return entries


def liked(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    """The interactions that signal interest (positive kind weight), newest first, one per item, leaving out
    items the user also disliked: the items a "because you liked" reason may name."""
    disliked = {e.item_id for e in entries if e.kind_weight < 0}
    seen: set[str] = set()
    kept = []
    for e in entries:
        if e.item_id and e.kind_weight > 0 and e.item_id not in disliked and e.item_id not in seen:
            seen.add(e.item_id)
            kept.append(e)
    return kept


def attach_items(
    client: weaviate.WeaviateClient,
    entries: list[HistoryEntry],
    settings: Settings | None = None,
    *,
    with_vectors: bool = False,
) -> list[HistoryEntry]:
    """Fill in the entries' item titles and domains (and vectors) from one request; returns the entries."""
    settings = settings or Settings()
    ids = list(dict.fromkeys(e.item_id for e in entries if e.item_id))
    if not ids:
        return entries
    items = collection_name("Item", settings.prefix)
    require_collections(client, [items])
    found = fetch_by_ids(
        client,
        items,
        [str(item_uuid(i)) for i in ids],
        properties=["item_id", "title", "domain"],
        include_vector=with_vectors,
    )
    by_id: dict[str, Any] = {str(o.properties.get("item_id")): o for o in found}
    for e in entries:
        obj = by_id.get(e.item_id or "")
        if obj is None:
            continue
        e.title = obj.properties.get("title")
        e.domain = obj.properties.get("domain")
        if with_vectors:
            e.content_vector = vector_of(obj, "content")
            e.behavior_vector = vector_of(obj, "behavior")
    return entries


def read_history(
    client: weaviate.WeaviateClient,
    user_id: str,
    settings: Settings | None = None,
    *,
    limit: int = 20,
    liked_only: bool = False,
    with_vectors: bool = False,
) -> list[HistoryEntry]:
    """The user's ``limit`` most recent interactions, newest first, each with its item's title and domain.

    Args:
        limit: how many interactions (after ``liked_only``).
        liked_only: only interactions whose kind signals interest (positive kind weight), one per item: the
            items a "because you liked" reason may name.
        with_vectors: also read the items' content and behaviour vectors.

    Returns:
        The entries; an empty list for a user without interactions (or without the collections).
    """
    if limit <= 0:
        return []
    entries = read_events(client, user_id, settings)
    if liked_only:
        entries = liked(entries)
    return attach_items(client, entries[:limit], settings, with_vectors=with_vectors)
