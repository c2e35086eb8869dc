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

__all__ = ["CachedItem", "ItemCache"]

#: Items one cache keeps (it starts over when full: a catalog larger than this is read as before). An item
#: takes about 3 KB for two 384-dimensional vectors plus its text.
MAX_ITEMS = 20_000


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
        self._clock = clock
        self._lock = threading.Lock()
        self._objects: dict[str, tuple[float, CachedItem]] = {}
        self._facts: dict[str, tuple[float, Any]] = {}

    def get_many(self, item_ids: Iterable[str]) -> tuple[dict[str, CachedItem], list[str]]:
        """The cached items among these ids, and the ids that must be read (absent or expired)."""
        now = self._clock()
        found: dict[str, CachedItem] = {}
        missing: list[str] = []
        with self._lock:
            for item_id in item_ids:
                hit = self._objects.get(item_id)
                if hit is not None and hit[0] > now:
                    found[item_id] = hit[1]
                else:
                    missing.append(item_id)
        return found, missing

    def put_many(self, objects: Mapping[str, Any]) -> dict[str, CachedItem]:
        """Keep these returned objects (by item id) for ``ttl`` seconds from now; returns what was kept."""
        kept = {item_id: CachedItem.of(obj) for item_id, obj in objects.items()}
        expires = self._clock() + self.ttl
        with self._lock:
            if len(self._objects) + len(kept) > MAX_ITEMS:
                self._objects.clear()
            for item_id, item in kept.items():
                self._objects[item_id] = (expires, item)
        return kept

    def fact(self, name: str, compute: Callable[[], Any]) -> Any:
        """A fact about the whole catalog (``name``: what ``compute`` answers), reused for ``ttl`` seconds like
        the items: a catalog change shows after at most that long."""
        now = self._clock()
        with self._lock:
            hit = self._facts.get(name)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = compute()
        with self._lock:
            self._facts[name] = (self._clock() + self.ttl, value)
        return value

    def clear(self) -> None:
        """Forget every item and fact (the next lists read them again)."""
        with self._lock:
            self._objects.clear()
            self._facts.clear()
