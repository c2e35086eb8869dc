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
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["ItemCache"]

#: Items one cache keeps (it starts over when full: a catalog larger than this is read as before).
MAX_ITEMS = 50_000


class ItemCache:
    """Weaviate objects (``item_id`` -> the returned object, with its vectors) reused for ``ttl`` seconds.

    Thread-safe; objects are shared read-only between the lists that use them.

    Args:
        ttl: seconds an object is reused after it was read.
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = float(ttl)
        self._clock = clock
        self._lock = threading.Lock()
        self._objects: dict[str, tuple[float, Any]] = {}

    def get_many(self, item_ids: Iterable[str]) -> tuple[dict[str, Any], list[str]]:
        """The cached objects of these items, and the ids that must be read (absent or expired)."""
        now = self._clock()
        found: dict[str, Any] = {}
        missing: list[str] = []
        with self._lock:
            for item_id in item_ids:
                hit = self._objects.get(item_id)
                if hit is not None and hit[0] > now:
                    found[item_id] = hit[1]
                else:
                    missing.append(item_id)
        return found, missing

    def put_many(self, objects: dict[str, Any]) -> None:
        """Keep these objects (by item id) for ``ttl`` seconds from now."""
        expires = self._clock() + self.ttl
        with self._lock:
            if len(self._objects) + len(objects) > MAX_ITEMS:
                self._objects.clear()
            for item_id, obj in objects.items():
                self._objects[item_id] = (expires, obj)

    def clear(self) -> None:
        """Forget every object (the next lists read their items again)."""
        with self._lock:
            self._objects.clear()
