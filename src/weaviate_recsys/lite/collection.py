"""One collection in memory: its objects, BM25 statistics, vector indexes and filter columns.

All searches run here, never on SQLite. Internal doc ids are dense and follow insertion order
(Weaviate's docID order, §5.3); an update that changes a vector moves the object to a new doc id,
as in Weaviate (W:adapters/repos/db/shard_write_put.go), a property-only update keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from weaviate_recsys.lite.bm25 import InvertedIndex
from weaviate_recsys.lite.filters import FilterIndex
from weaviate_recsys.lite.schema import ClassSpec
from weaviate_recsys.lite.text import Stopwords
from weaviate_recsys.lite.vectors import VectorIndex

__all__ = ["Record", "Collection"]


@dataclass(slots=True)
class Record:
    """One stored object."""

    uuid: str
    doc: int
    seq: int
    props: dict[str, Any]
    vectors: dict[str, np.ndarray]  # only until indexed: the vector indexes hold the one copy
    created: int
    updated: int


def same_vectors(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    if a.keys() != b.keys():
        return False
    return all(np.array_equal(a[k], b[k]) for k in a)


class Collection:
    """In-memory state of one class; the caller holds the database lock around every call."""

    def __init__(self, spec: ClassSpec) -> None:
        self.spec = spec
        self.records: dict[str, Record] = {}
        self.by_doc: list[Record | None] = []
        k1, b = spec.bm25_params()
        preset, add, rem = spec.stopword_config()
        self.inverted = InvertedIndex(k1, b, Stopwords(preset, add, rem), uuid_of=self.uuid_of)
        self.vector_indexes: dict[str, VectorIndex] = {}
        self.filters = FilterIndex(spec, self._props_of)
        self._sorted_uuids: list[str] | None = None
        self.apply_spec(spec)

    def _props_of(self, doc: int) -> dict[str, Any] | None:
        rec = self.by_doc[doc] if doc < len(self.by_doc) else None
        return rec.props if rec is not None else None

    def record_of(self, doc: int) -> Record:
        """The live object behind an index hit (indexes never return a deleted doc)."""
        rec = self.by_doc[doc]
        assert rec is not None
        return rec

    def uuid_of(self, doc: int) -> str:
        rec = self.by_doc[doc]
        assert rec is not None
        return rec.uuid

    def apply_spec(self, spec: ClassSpec) -> None:
        """Adopt a changed class definition (new property, new vector, BM25 settings)."""
        self.spec = spec
        self.name: str = spec.name  # plain attributes: read per object on every write
        self.legacy_vector: bool = spec.legacy_vector
        k1, b = spec.bm25_params()
        preset, add, rem = spec.stopword_config()
        self.inverted.update_config(k1, b, Stopwords(preset, add, rem))
        known = set(self.inverted.property_names())
        for p in spec.properties.values():
            if p.is_text and p.searchable and p.name not in known:
                self.inverted.set_property(p.name, p.tokenization or "word", True)
        for name, v in spec.vectors.items():
            if name not in self.vector_indexes:
                self.vector_indexes[name] = VectorIndex(v.distance)
        self.filters.set_spec(spec)

    def __len__(self) -> int:
        return len(self.records)

    def next_doc(self) -> int:
        return len(self.by_doc)

    def vectors_of(self, rec: Record) -> dict[str, np.ndarray]:
        """The stored vectors of an object, by name (read from the indexes, which own them)."""
        out = {}
        for name, idx in self.vector_indexes.items():
            vec = idx.get(rec.doc)
            if vec is not None:
                out[name] = vec
        return out

    def load_vectors(self, name: str, docs: np.ndarray, matrix: np.ndarray) -> None:
        """Start-up: add one chunk of stored vectors to an index."""
        idx = self.vector_indexes[name]
        add_many = getattr(idx, "add_many", None)
        if add_many is not None:
            add_many(docs, matrix)
        else:
            for d, row in zip(docs.tolist(), matrix):
                idx.add(d, row)

    def vector_dim(self, name: str) -> int | None:
        idx = self.vector_indexes.get(name)
        return None if idx is None else idx.dim

    # --- writes (already validated and persisted by the caller) --------------------------

    def put_many(self, recs: list[Record]) -> None:
        """Insert or replace (by uuid) records in every in-memory structure, in bulk: every old version is
        unindexed first, then all the records are indexed at once, under a new doc id or their old one.

        Raises:
            ValueError: two records share a uuid or a doc id (a batch keeps only the last version of a uuid).
        """
        if len({r.uuid for r in recs}) < len(recs) or len({r.doc for r in recs}) < len(recs):
            raise ValueError("put_many needs records with distinct uuids and doc ids")
        olds = [old for old in map(self.records.get, (r.uuid for r in recs)) if old is not None]
        if olds:
            self._unindex_many(olds)
        self._add_fresh(sorted(recs, key=lambda r: r.doc))

    def _add_fresh(self, recs: list[Record]) -> None:
        """Index records whose uuids and doc ids are not indexed (docs ascending)."""
        by_doc = self.by_doc
        for rec in recs:
            if rec.doc >= len(by_doc):
                by_doc.extend([None] * (rec.doc - len(by_doc)))
                by_doc.append(rec)
            else:
                by_doc[rec.doc] = rec
            self.records[rec.uuid] = rec
        self.inverted.add_many([(r.doc, r.props) for r in recs])
        self._add_vectors(recs)
        for r in recs:
            r.vectors = {}
        self.filters.add_many(recs)
        self._sorted_uuids = None

    def _add_vectors(self, recs: list[Record]) -> None:
        for name, idx in self.vector_indexes.items():
            rows = [(r.doc, r.vectors[name]) for r in recs if name in r.vectors and r.vectors[name].size]
            if not rows:
                continue
            add_many = getattr(idx, "add_many", None)
            if add_many is not None and len({len(v) for _, v in rows}) == 1:
                add_many(
                    np.fromiter((d for d, _ in rows), dtype=np.int64, count=len(rows)),
                    np.stack([v for _, v in rows]).astype(np.float32, copy=False),
                )
            else:
                for d, v in rows:
                    idx.add(d, v)

    def delete(self, uuid: str) -> Record | None:
        rec = self.records.pop(uuid, None)
        if rec is None:
            return None
        self._unindex_many([rec])
        self._sorted_uuids = None
        return rec

    def _unindex_many(self, recs: list[Record]) -> None:
        self.inverted.remove_many([r.doc for r in recs])
        for rec in recs:
            for idx in self.vector_indexes.values():
                idx.remove(rec.doc)
            self.filters.remove(rec.doc, rec.uuid, rec.props)
            if rec.doc < len(self.by_doc) and self.by_doc[rec.doc] is rec:
                self.by_doc[rec.doc] = None

    def bulk_load(self, recs: list[Record]) -> None:
        """Fast path for start-up: records arrive in doc order with fresh doc ids."""
        self._add_fresh(recs)

    # --- reads ---------------------------------------------------------------------------

    def sorted_uuids(self) -> list[str]:
        """Live uuids ascending: the order of an unfiltered fetch (§5.3)."""
        if self._sorted_uuids is None:
            self._sorted_uuids = sorted(self.records)
        return self._sorted_uuids

    def get(self, uuid: str) -> Record | None:
        return self.records.get(uuid)
