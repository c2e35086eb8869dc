"""Items' text and vectors kept for a short time, so a long-running recommender (the service) does not read
the same items for every list.

Every list's reasons read the recommended items' text (keywords must occur in it) and, for "because you liked",
the vectors of the user's liked items. A catalog changes far less often than lists are asked for, so the
service keeps what it read for ``ttl`` seconds: a changed item (``load items`` again) shows in reasons after at
most that long. The recommendations themselves never come from here: every list still runs its queries.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from cachetools import TTLCache

__all__ = ["CachedItem", "ItemCache"]

#: Items one cache keeps at most (past this many the least recently used go first; expired items are dropped
#: as new ones come in). An item takes about 3 KB for two 384-dimensional vectors plus its text.
MAX_ITEMS = 20_000
#: Catalog facts one cache keeps at most (`ItemCache.fact`; the recommender asks one).
_MAX_FACTS = 64


@dataclass(frozen=True)
class CachedItem:
    """What the cache keeps of a returned object: its properties and its named vectors as float32 arrays (a
    quarter of the memory of the client's lists of floats, and the same float32 values)."""

    properties: Mapping[str, Any]
    vector: Mapping[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, obj: Any) -> CachedItem:
        vectors = getattr(obj, "vector", None) or {}
        if not isinstance(vectors, Mapping):
            vectors = {"default": vectors}
        kept = {name: np.asarray(v, dtype=np.float32) for name, v in vectors.items() if v is not None and len(v)}
        return cls(dict(obj.properties), kept)


class ItemCache:
    """Items (``item_id`` -> `CachedItem`, with its vectors) reused for ``ttl`` seconds.

    Thread-safe; items are shared read-only between the lists that use them.

    Args:
        ttl: seconds an object is reused after it was read.
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = float(ttl)
        self._lock = threading.Lock()
        self._objects: TTLCache[str, CachedItem] = TTLCache(MAX_ITEMS, self.ttl, timer=clock)
        self._facts: TTLCache[str, Any] = TTLCache(_MAX_FACTS, self.ttl, timer=clock)

    def get_many(self, item_ids: Iterable[str]) -> tuple[dict[str, CachedItem], list[str]]:
        """The cached items among these ids, and the ids that must be read (absent or expired)."""
        found: dict[str, CachedItem] = {}
        missing: list[str] = []
        with self._lock:
            for item_id in item_ids:
                hit = self._objects.get(item_id)
                if hit is not None:
                    found[item_id] = hit
                else:
                    missing.append(item_id)
        return found, missing

    def put_many(self, objects: Mapping[str, Any]) -> dict[str, CachedItem]:
        """Keep these returned objects (by item id) for ``ttl`` seconds from now; returns what was kept."""
        kept = {item_id: CachedItem.of(obj) for item_id, obj in objects.items()}
        with self._lock:
            self._objects.update(kept)
        return kept

    def fact(self, name: str, compute: Callable[[], Any]) -> Any:
        """A fact about the whole catalog (``name``: what ``compute`` answers), reused for ``ttl`` seconds like
        the items: a catalog change shows after at most that long."""
        missing = object()
        with self._lock:
            hit = self._facts.get(name, missing)
        if hit is not missing:
            return hit
        value = compute()
        with self._lock:
            self._facts[name] = value
        return value

    def clear(self) -> None:
        """Forget every item and fact (the next lists read them again)."""
        with self._lock:
            self._objects.clear()
            self._facts.clear()
