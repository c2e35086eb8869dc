"""Write prepared objects to one collection through weaviate-client, and read back their content hashes.

New objects go through one ``collection.batch.fixed_size`` context that stays open for the whole load (the
client sends full batches in the background while we read and embed the next rows). An object that already
exists with another content hash is merged with ``data.update`` (PATCH) instead, so properties and vectors that
other components own (the interest model's keywords, a behavior vector) survive a re-load. Objects Weaviate
rejects are retried once; what still fails is returned, and never counted as written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from weaviate.classes.query import Filter
from weaviate.collections import Collection
from weaviate.exceptions import WeaviateBaseError

from ..errors import ConnectionFailed

__all__ = ["PreparedObject", "WriteFailure", "ObjectWriter", "content_hash"]


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot hash a {type(value).__name__}")


_HASH_ENCODER = json.JSONEncoder(sort_keys=True, default=_json_default, ensure_ascii=False)


def content_hash(properties: dict[str, Any], model: str | None) -> str:
    """Hash of what a load writes for one object: its loaded properties and, if it is embedded, the model.

    Equal hashes mean re-writing the object would change nothing, so the row is skipped without embedding.
    """
    payload = _HASH_ENCODER.encode({"p": properties, "m": model})  # as json.dumps with these options
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class PreparedObject:
    """One object ready to write.

    Attributes:
        uuid: the object UUID (from the caller's ids).
        properties: loader-owned properties, ``content_hash`` included.
        clear: loader-owned properties this row leaves empty; an update removes their old values.
        texts: named vector -> text to embed (filled into ``vectors`` before writing).
        vectors: named vector -> float32 vector.
    """

    uuid: str
    properties: dict[str, Any]
    clear: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    vectors: dict[str, Any] = field(default_factory=dict)


@dataclass
class WriteFailure:
    """An object Weaviate rejected twice: its UUID, the properties sent, and the server's reason."""

    uuid: str
    properties: dict[str, Any] | None
    reason: str


def _vector_payload(vectors: dict[str, Any]) -> dict[str, list[float]] | None:
    if not vectors:
        return None
    return {name: (v.tolist() if isinstance(v, np.ndarray) else list(v)) for name, v in vectors.items()}


class ObjectWriter:
    """Writes to one collection for the length of a load. Use as a context manager.

    ``add`` queues new objects into the open batch; ``update`` merges changed ones right away; leaving the
    block flushes the batch, retries rejected objects once and leaves the final insert failures in
    ``failures``. ``added`` counts objects handed to the batch: written = added - len(failures), known only
    once the block has exited.
    """

    def __init__(self, collection: Collection, batch_size: int = 500, concurrent_requests: int = 2) -> None:
        self.collection = collection
        self.batch_size = batch_size
        self.concurrent_requests = concurrent_requests
        self.added = 0
        self.failures: list[WriteFailure] = []
        self._batcher = collection.batch
        self._context: Any = None
        self._batch: Any = None

    def __enter__(self) -> ObjectWriter:
        self._context = self._batcher.fixed_size(batch_size=self.batch_size,
                                                 concurrent_requests=self.concurrent_requests)
        self._batch = self._context.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        context, self._context, self._batch = self._context, None, None
        try:
            context.__exit__(*exc)
        except WeaviateBaseError as e:
            if exc[0] is None:
                raise ConnectionFailed(
                    f"writing to {self.collection.name} failed: {e}. Run the load again: rows already written "
                    "are skipped."
                ) from e
            return
        if exc[0] is not None:
            return
        retry = list(self._batcher.failed_objects)
        if not retry:
            return
        with self._batcher.fixed_size(batch_size=self.batch_size, concurrent_requests=1) as batch:
            for error in retry:
                obj = error.object_
                batch.add_object(properties=obj.properties, uuid=obj.uuid, vector=obj.vector)
        for error in self._batcher.failed_objects:
            uuid = str(error.original_uuid or error.object_.uuid)
            self.failures.append(
                WriteFailure(uuid, error.object_.properties, f"Weaviate rejected the object: {error.message}")
            )

    def existing_hashes(self, uuids: Sequence[str]) -> dict[str, str | None]:
        """UUID -> stored content hash (None if the object exists without one), for the UUIDs that exist.

        Asks Weaviate directly (an ``_id`` filter, one request per batch), so it works from any process.
        """
        found: dict[str, str | None] = {}
        for start in range(0, len(uuids), self.batch_size):
            chunk = list(uuids[start:start + self.batch_size])
            try:
                res = self.collection.query.fetch_objects(
                    filters=Filter.by_id().contains_any(chunk), limit=len(chunk), return_properties=["content_hash"]
                )
            except WeaviateBaseError as e:
                raise ConnectionFailed(
                    f"could not read existing objects from {self.collection.name}: {e}. Check that Weaviate is up, "
                    "then run the load again (rows already written are skipped)."
                ) from e
            for obj in res.objects:
                value = obj.properties.get("content_hash")
                found[str(obj.uuid)] = value if isinstance(value, str) else None
        return found

    def add(self, obj: PreparedObject) -> None:
        """Queue a new object (an upsert: a UUID that exists after all is overwritten)."""
        if self._batch is None:
            raise RuntimeError("ObjectWriter.add outside its `with` block")
        self._batch.add_object(properties=obj.properties, uuid=obj.uuid, vector=_vector_payload(obj.vectors))
        self.added += 1

    def update(self, obj: PreparedObject) -> WriteFailure | None:
        """Merge a changed object into the stored one (PATCH), retrying once. Returns the failure, if any."""
        properties: dict[str, Any] = {name: None for name in obj.clear}
        properties.update(obj.properties)
        vectors = _vector_payload(obj.vectors)
        error: Exception | None = None
        for _attempt in range(2):
            try:
                self.collection.data.update(uuid=obj.uuid, properties=properties, vector=vectors)
                return None
            except WeaviateBaseError as e:
                error = e
        return WriteFailure(obj.uuid, obj.properties, f"Weaviate rejected the update: {error}")
