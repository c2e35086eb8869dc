"""Write prepared objects to one collection through weaviate-client, and read back their content hashes.

New objects go out in ``data.insert_many`` batches (one gRPC BatchObjects request each), sent from a small
thread pool while we read and embed the next rows, with at most ``concurrent_requests`` batches in flight: the
same pipelining as ``batch.fixed_size``, for a quarter less client CPU per object (measured on objects without
vectors: 88 against 115 us), which is what bounds a load of interactions. An object that already
exists with another content hash is merged with ``data.update`` (PATCH) instead, so properties and vectors that
other components own (the interest model's keywords, a behavior vector) survive a re-load. Objects Weaviate
rejects are retried once; what still fails is returned, and never counted as written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter
from weaviate.collections import Collection
from weaviate.exceptions import WeaviateBaseError, WeaviateInsertManyAllFailedError

from ..errors import ConnectionFailed, WeaviateRejected, is_unreachable

__all__ = ["PreparedObject", "WriteFailure", "ObjectWriter", "content_hash", "insert_many_errors"]

_ALL_FAILED_PREFIX = "Here is the set of all errors: "  # weaviate-client's WeaviateInsertManyAllFailedError text


def insert_many_errors(collection: Collection, objects: list[DataObject[Any, Any]]) -> dict[int, str]:
    """``data.insert_many`` of one batch; the positions of the objects Weaviate rejected, with its reasons.

    When Weaviate rejects every object, weaviate-client raises instead of returning the errors; that comes back
    here the same way (every position, with the distinct reasons the client joined). Other client errors
    (Weaviate unreachable) are raised.
    """
    try:
        res = collection.data.insert_many(objects)
    except WeaviateInsertManyAllFailedError as e:
        reason = str(e).split(_ALL_FAILED_PREFIX, 1)[-1]
        return {i: reason for i in range(len(objects))}
    return {index: str(getattr(err, "message", err)) for index, err in (res.errors or {}).items()}


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

    ``add`` queues new objects (sent a batch at a time in the background); ``update`` merges changed ones right
    away; leaving the block sends the rest, waits for every batch, retries rejected objects once and leaves the
    final insert failures in ``failures``. ``added`` counts objects handed to the writer: written = added -
    len(failures), known only once the block has exited. A batch that fails as a whole makes the block raise on
    exit: `ConnectionFailed` when Weaviate could not be reached, `WeaviateRejected` when it answered and refused
    the request (its message says why).
    """

    def __init__(self, collection: Collection, batch_size: int = 500, concurrent_requests: int = 2) -> None:
        self.collection = collection
        self.batch_size = batch_size
        self.concurrent_requests = max(1, concurrent_requests)
        self.added = 0
        self.confirmed = 0  # objects of the batches Weaviate has answered that it stored
        self.failures: list[WriteFailure] = []
        self._buffer: list[DataObject[Any, Any]] = []
        self._in_flight: list[tuple[list[DataObject[Any, Any]], Future[Any]]] = []
        self._rejected: list[DataObject[Any, Any]] = []  # retried once when the block exits
        self._error: WeaviateBaseError | None = None  # a whole batch failed: the load fails when the block exits
        self._batches_sent = 0
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> ObjectWriter:
        self._pool = ThreadPoolExecutor(max_workers=self.concurrent_requests, thread_name_prefix="recsys-write")
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if exc[0] is None:
                self._send()
            while self._in_flight:
                self._collect()
        finally:
            pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown(wait=True)
        if exc[0] is not None:
            return
        if self._error is not None:
            raise self._write_failed(self._error) from self._error
        retry, self._rejected = self._rejected, []
        for start in range(0, len(retry), self.batch_size):
            chunk = retry[start : start + self.batch_size]
            try:
                errors = self._insert(chunk, exact=True)
            except WeaviateBaseError as e:
                raise self._write_failed(e) from e
            for index, message in errors.items():
                obj = chunk[index]
                self.failures.append(
                    WriteFailure(str(obj.uuid), dict(obj.properties or {}), f"Weaviate rejected the object: {message}")
                )

    def _write_failed(self, error: WeaviateBaseError) -> ConnectionFailed | WeaviateRejected:
        if is_unreachable(error):
            return ConnectionFailed(
                f"writing to {self.collection.name} failed: {error}. Check that Weaviate is running, then run the "
                "load again: rows already written are skipped."
            )
        return WeaviateRejected(f"Weaviate refused a batch written to {self.collection.name}: {error}")

    def _insert(self, chunk: list[DataObject[Any, Any]], exact: bool = False) -> dict[int, str]:
        """Insert one batch; the rejected objects' positions and reasons.

        When every object fails, the client gives only the distinct reasons joined; ``exact`` then inserts them
        one by one for each object's own reason (rejections are rare: this is the retry pass).
        """
        errors = insert_many_errors(self.collection, chunk)
        if exact and len(chunk) > 1 and len(errors) == len(chunk):
            singles = ((i, self._insert([obj], exact=True)) for i, obj in enumerate(chunk))
            return {i: one[0] for i, one in singles if one}  # an object that went in alone is written
        return errors

    def _send(self) -> None:
        """Hand the buffered objects to the pool as one batch, waiting while too many are in flight."""
        if not self._buffer:
            return
        assert self._pool is not None
        chunk, self._buffer = self._buffer, []
        if self._error is not None:
            return  # the load fails when the block exits; its re-run writes these rows
        while len(self._in_flight) >= self.concurrent_requests:
            self._collect()
        self._in_flight.append((chunk, self._pool.submit(self._insert, chunk)))
        if not self._batches_sent:
            # The first batch goes alone: it creates the vector indexes, so their dimension is the first row's,
            # not whichever concurrent batch the server happened to store first.
            self._collect()
        self._batches_sent += 1

    def _collect(self) -> None:
        """Wait for the oldest batch in flight and keep the objects it rejected for one retry."""
        chunk, future = self._in_flight.pop(0)
        try:
            errors = future.result()
        except WeaviateBaseError as e:
            self._error = self._error or e
            return
        self.confirmed += len(chunk) - len(errors)
        self._rejected.extend(chunk[index] for index in errors)

    def existing_hashes(self, uuids: Sequence[str]) -> dict[str, str | None]:
        """UUID -> stored content hash (None if the object exists without one), for the UUIDs that exist.

        Asks Weaviate directly (an ``_id`` filter, one request per batch), so it works from any process.
        """
        found: dict[str, str | None] = {}
        for start in range(0, len(uuids), self.batch_size):
            chunk = list(uuids[start : start + self.batch_size])
            try:
                res = self.collection.query.fetch_objects(
                    filters=Filter.by_id().contains_any(chunk), limit=len(chunk), return_properties=["content_hash"]
                )
            except WeaviateBaseError as e:
                if not is_unreachable(e):
                    raise WeaviateRejected(
                        f"Weaviate refused reading the existing objects of {self.collection.name}: {e}"
                    ) from e
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
        if self._pool is None:
            raise RuntimeError("ObjectWriter.add outside its `with` block")
        self._buffer.append(DataObject(properties=obj.properties, uuid=obj.uuid, vector=_vector_payload(obj.vectors)))
        self.added += 1
        if len(self._buffer) >= self.batch_size:
            self._send()

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
