"""The lite server's state: the durable store plus every collection in memory, behind one lock.

Every write is validated first, persisted second (one SQLite transaction), and applied to the
in-memory structures last, so bad input never alters what is stored and a crash never leaves a
half-written batch.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid as uuid_mod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from weaviate_recsys.bulk import collector_paused
from weaviate_recsys.lite.api_errors import ApiError, NotFound, Unprocessable
from weaviate_recsys.lite.autoschema import class_body, new_properties
from weaviate_recsys.lite.collection import Collection, Record, same_vectors
from weaviate_recsys.lite.integrity import UnloadableRow, check_class_row, quarantine_rows, split_loadable
from weaviate_recsys.lite.schema import (
    ClassSpec,
    capitalize_class_name,
    lower_first,
    merge_class_update,
    normalize_class,
    normalize_property,
)
from weaviate_recsys.lite.storage import ObjectWrite, Store, iter_vector_matrices
from weaviate_recsys.lite.values import canonical_uuid, check_vector, coerce_properties

__all__ = ["Database", "IncomingObject"]

log = logging.getLogger(__name__)
_LOGGED_ROWS = 20  # per collection: one warning each, then a count


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class IncomingObject:
    """An object as decoded from REST or gRPC, before validation."""

    collection: str
    uuid: Any
    properties: dict[str, Any] | None
    vectors: dict[str, Any] = field(default_factory=dict)  # name ("" = unnamed) -> values
    tenant: str = ""


class Database:
    """All collections of one data directory.

    Args:
        store: the durable store; everything in it is loaded on construction.
        autoschema: create collections and properties from the objects written, as Weaviate does by
            default (``AUTOSCHEMA_ENABLED``); off, objects must match the schema.
    """

    def __init__(self, store: Store, autoschema: bool = True) -> None:
        self.store = store
        self.autoschema = autoschema
        self.lock = threading.RLock()
        self.collections: dict[str, Collection] = {}
        self._load()

    # --- start-up ------------------------------------------------------------------------

    @collector_paused()  # start-up builds millions of long-lived records and postings
    def _load(self) -> None:
        """Load every collection; rows that cannot be loaded go to quarantine (`lite.integrity`), the rest serve."""
        bad_classes: list[UnloadableRow] = []
        for name, config in self.store.class_rows():
            spec, reason = check_class_row(name, config)
            if spec is None:
                bad_classes.append(UnloadableRow(str(name), None, reason or ""))
                continue
            try:
                coll = self._load_fast(spec)
            except Exception as e:  # noqa: BLE001 - a damaged row: load the collection row by row instead
                log.debug("fast load of %s failed", spec.name, exc_info=True)
                coll = self._load_checked(spec, e)
            self.collections[spec.name] = coll
        orphans = [
            UnloadableRow(str(c), str(u), "its collection has no class definition", seq=s)
            for s, c, u in self.store.orphan_rows()
        ]
        if bad_classes or orphans:
            for row in bad_classes + orphans:
                log.warning(
                    "lite store %s: %s; moved to its quarantine table (see `weaviate-recsys lite check`)",
                    self.store.path,
                    row.describe(),
                )
            quarantine_rows(self.store, bad_classes + orphans)

    def _load_checked(self, spec: ClassSpec, error: Exception) -> Collection:
        """Load a collection whose fast load failed: check each row, quarantine the ones that cannot load."""
        good, bad = split_loadable(spec, self.store.object_rows(spec.name))
        if bad:
            for row in bad[:_LOGGED_ROWS]:
                log.warning(
                    "lite store %s: %s; moved to its quarantine table (see `weaviate-recsys lite check`)",
                    self.store.path,
                    row.describe(),
                )
            if len(bad) > _LOGGED_ROWS:
                log.warning(
                    "lite store %s: %d more objects of collection %s moved to its quarantine table",
                    self.store.path,
                    len(bad) - _LOGGED_ROWS,
                    spec.name,
                )
            quarantine_rows(self.store, bad)
        else:
            # every row passed its checks: the fast path failed for a reason a row check cannot see
            raise error
        coll = Collection(spec)
        coll.bulk_load([Record(r.uuid, doc, r.seq, r.props, {}, r.created, r.updated) for doc, r in enumerate(good)])
        by_name: dict[str, tuple[list[int], list[np.ndarray]]] = {}
        for doc, r in enumerate(good):
            for name, vec in r.vectors.items():
                docs, vecs = by_name.setdefault(name, ([], []))
                docs.append(doc)
                vecs.append(vec)
        for name, (docs, vecs) in by_name.items():
            coll.load_vectors(name, np.asarray(docs, dtype=np.int64), np.stack(vecs))
        return coll

    def _load_fast(self, spec: ClassSpec) -> Collection:
        """Load a collection in bulk (columns, one JSON parse, vector matrices); raises on a damaged row."""
        coll = Collection(spec)
        seqs, uuids, props, created, updated, blobs = self.store.load_object_columns(spec.name)
        if len(props) != len(seqs) or not all(type(p) is dict for p in props):
            raise ValueError("the stored properties are not one JSON object per row")
        recs = list(map(Record, uuids, range(len(seqs)), seqs, props, [{}] * len(seqs), created, updated))
        coll.bulk_load(recs)  # gives each record its own (empty) vectors dict
        for idx in coll.vector_indexes.values():
            reserve = getattr(idx, "reserve", None)
            if reserve is not None:
                reserve(len(seqs))  # one allocation for the chunks below
        # chunked, so peak memory stays near one copy of the vectors; row position = doc id
        for name, docs, matrix in iter_vector_matrices(blobs):
            if name not in coll.vector_indexes:
                raise ValueError(f"a stored vector {name!r} has no index")
            coll.load_vectors(name, docs.astype(np.int64, copy=False), matrix)
        del blobs
        return coll

    def close(self) -> None:
        with self.lock:
            self.store.close()

    # --- schema --------------------------------------------------------------------------

    def collection(self, name: str) -> Collection:
        coll = self.collections.get(capitalize_class_name(name))
        if coll is None:
            raise NotFound(f"could not find class {name} in schema")
        return coll

    def find(self, name: str) -> Collection | None:
        return self.collections.get(capitalize_class_name(name))

    def create_class(self, body: Any) -> dict[str, Any]:
        class_json = normalize_class(body)
        with self.lock:
            name = class_json["class"]
            if any(n.lower() == name.lower() for n in self.collections):
                raise Unprocessable(f"class name {name} already exists")
            spec = ClassSpec.from_json(class_json)
            self.store.put_class(class_json)
            self.collections[name] = Collection(spec)
            return class_json

    def list_classes(self) -> list[dict[str, Any]]:
        with self.lock:
            return [c.spec.json for c in self.collections.values()]

    def get_class(self, name: str) -> dict[str, Any]:
        with self.lock:
            coll = self.find(name)
            if coll is None:
                raise NotFound()
            return coll.spec.json

    def delete_class(self, name: str) -> None:
        with self.lock:
            coll = self.find(name)
            if coll is None:
                return  # real Weaviate answers 200 for an absent class (§2.2)
            self.store.delete_class(coll.name)
            del self.collections[coll.name]

    def add_property(self, name: str, body: Any) -> dict[str, Any]:
        with self.lock:
            coll = self.find(name)
            if coll is None:
                raise NotFound()
            prop = normalize_property(body, coll.name)
            if any(p["name"].lower() == prop["name"].lower() for p in coll.spec.json["properties"]):
                raise Unprocessable(f"property '{prop['name']}' already exists in class '{coll.name}'")
            new_json = {**coll.spec.json, "properties": [*coll.spec.json["properties"], prop]}
            self.store.put_class(new_json)
            coll.apply_spec(ClassSpec.from_json(new_json))
            return prop

    def update_class(self, name: str, body: Any) -> dict[str, Any]:
        with self.lock:
            coll = self.find(name)
            if coll is None:
                raise NotFound()
            if isinstance(body, dict) and body.get("class") and capitalize_class_name(str(body["class"])) != coll.name:
                raise Unprocessable("the class name in the body must match the one in the path")
            new_json = merge_class_update(coll.spec.json, body)
            self.store.put_class(new_json)
            coll.apply_spec(ClassSpec.from_json(new_json))
            return new_json

    def _auto_schema(self, obj: IncomingObject, via_grpc: bool) -> Collection | None:
        """The object's collection, first created or extended from the object when auto-schema is on."""
        coll = self.find(obj.collection) if obj.collection else None
        if not self.autoschema or not obj.collection:
            return coll
        raw = obj.properties if isinstance(obj.properties, dict) else None
        if coll is None:
            self.create_class(class_body(obj.collection, raw, list(obj.vectors), via_grpc))
            coll = self.find(obj.collection)
        elif raw and not raw.keys() <= coll.spec.properties.keys():
            for prop in new_properties(coll.spec, raw, via_grpc):
                self.add_property(coll.name, prop)
        if raw and coll is not None and not raw.keys() <= coll.spec.properties.keys():
            # unknown keys whose value created no property (null, {}) carry nothing to store
            obj.properties = {
                k: v for k, v in raw.items() if k in coll.spec.properties or lower_first(k) in coll.spec.properties
            }
        return coll

    # --- object validation ---------------------------------------------------------------

    def _prepare(
        self,
        coll: Collection,
        obj: IncomingObject,
        *,
        via_grpc: bool,
        pending_dims: dict[str, int],
        base: Record | None = None,
        merge: bool = False,
    ) -> tuple[str, dict[str, Any], dict[str, np.ndarray]]:
        """Validate one object; returns (uuid, properties, vectors) ready to store."""
        if obj.tenant:
            raise Unprocessable(f"class {coll.name} does not have multi-tenancy enabled, but request was with tenant")
        try:
            uid = canonical_uuid(obj.uuid if obj.uuid else str(uuid_mod.uuid4()))
        except (ValueError, AttributeError, TypeError):
            raise Unprocessable(f"invalid UUID '{obj.uuid}': use the canonical 8-4-4-4-12 form") from None
        props = coerce_properties(coll.spec, obj.properties, via_grpc, allow_null=merge)
        if merge and base is not None:
            merged = dict(base.props)
            for k, v in props.items():
                if v is None:
                    merged.pop(k, None)
                else:
                    merged[k] = v
            props = merged
        vectors: dict[str, np.ndarray] = coll.vectors_of(base) if (merge and base is not None) else {}
        for name, values in obj.vectors.items():
            target = self._vector_target(coll, name)
            expected = coll.vector_dim(target) or pending_dims.get(target)
            arr = check_vector(values, target=target, uuid=uid, expected_dim=expected)
            if arr.size:
                vectors[target] = arr
                pending_dims.setdefault(target, int(arr.size))
            else:
                vectors.pop(target, None)
        return uid, props, vectors

    @staticmethod
    def _vector_target(coll: Collection, name: str) -> str:
        specs = coll.spec.vectors
        legacy = coll.legacy_vector
        if name in ("", None):
            if legacy:
                return "default"
            if len(specs) == 1:
                return next(iter(specs))
            if not specs:
                raise Unprocessable(f"collection {coll.name} has no vector index configured")
            raise Unprocessable(f"collection {coll.name} configuration does not have single vector index")
        if legacy and name == "default":
            return "default"
        if name not in specs:
            raise Unprocessable(f"collection {coll.name} does not have configuration for vector {name}")
        return name

    def _commit(
        self, items: list[tuple[Collection, str, dict[str, Any], dict[str, np.ndarray], Record | None, bool]]
    ) -> list[Record]:
        """Persist then apply upserts: (collection, uuid, props, vectors, old record, keep created)."""
        ts = now_ms()
        seqs = self.store.next_seqs(len(items))
        writes: list[tuple[str, ObjectWrite]] = []
        records: list[tuple[Collection, Record]] = []
        next_docs: dict[str, int] = {}
        for (coll, uid, props, vectors, old, keep_created), seq in zip(items, seqs):
            if old is not None and same_vectors(coll.vectors_of(old), vectors):
                doc, seq = old.doc, old.seq
            else:
                doc = next_docs.get(coll.name, coll.next_doc())
                next_docs[coll.name] = doc + 1
            created = old.created if (old is not None and keep_created) else ts
            rec = Record(uid, doc, seq, props, vectors, created, ts)
            writes.append(
                (coll.name, ObjectWrite(seq, old.seq if old is not None else None, uid, props, created, ts, vectors))
            )
            records.append((coll, rec))
        self.store.write_batch(writes)
        by_coll: dict[str, tuple[Collection, list[Record]]] = {}
        for coll, rec in records:
            by_coll.setdefault(coll.name, (coll, []))[1].append(rec)
        for coll, recs in by_coll.values():
            coll.put_many(recs)
        return [r for _, r in records]

    # --- REST object calls ---------------------------------------------------------------

    def insert_object(self, obj: IncomingObject) -> Record:
        with self.lock:
            coll = self._wrap(lambda: self._auto_schema(obj, via_grpc=False))
            if coll is None:
                raise Unprocessable(f'invalid object: class "{obj.collection}" not found in schema')
            uid, props, vectors = self._wrap(lambda: self._prepare(coll, obj, via_grpc=False, pending_dims={}))
            if uid in coll.records:
                raise Unprocessable(f"id '{uid}' already exists")
            return self._commit([(coll, uid, props, vectors, None, False)])[0]

    def replace_object(self, obj: IncomingObject) -> Record:
        with self.lock:
            coll = self.collection(obj.collection)
            old = coll.get(canonical_uuid(obj.uuid))
            if old is None:
                raise NotFound()
            self._wrap(lambda: self._auto_schema(obj, via_grpc=False))  # new properties, as on insert
            uid, props, vectors = self._wrap(lambda: self._prepare(coll, obj, via_grpc=False, pending_dims={}))
            return self._commit([(coll, uid, props, vectors, old, True)])[0]

    def merge_object(self, obj: IncomingObject) -> Record:
        with self.lock:
            coll = self.collection(obj.collection)
            old = coll.get(canonical_uuid(obj.uuid))
            if old is None:
                raise NotFound()
            self._wrap(lambda: self._auto_schema(obj, via_grpc=False))  # new properties, as on insert
            uid, props, vectors = self._wrap(
                lambda: self._prepare(coll, obj, via_grpc=False, pending_dims={}, base=old, merge=True)
            )
            return self._commit([(coll, uid, props, vectors, old, True)])[0]

    @staticmethod
    def _wrap(fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except ApiError as e:
            if e.status == 422 and not e.message.startswith(("invalid object", "id '")):
                if e.message.startswith("Validate vector index"):
                    raise ApiError(
                        "put object: import into index: put local object: store object in LSM store: " + e.message,
                        500,
                    ) from None
                raise Unprocessable("invalid object: " + e.message) from None
            raise

    def get_object(self, collection: str, uid: str) -> tuple[Collection, Record]:
        with self.lock:
            coll = self.collection(collection)
            rec = coll.get(canonical_uuid(uid))
            if rec is None:
                raise NotFound()
            return coll, rec

    def delete_object(self, collection: str, uid: str) -> None:
        with self.lock:
            coll = self.collection(collection)
            rec = coll.get(canonical_uuid(uid))
            if rec is None:
                raise NotFound()
            self.store.delete_objects(coll.name, [rec.seq])
            coll.delete(rec.uuid)

    # --- gRPC batch calls ----------------------------------------------------------------

    def batch_put(self, objects: list[IncomingObject]) -> dict[int, str]:
        """Upsert a batch (§2.4): per-object errors by index, the valid rest in one transaction."""
        errors: dict[int, str] = {}
        with self.lock:
            prepared: dict[tuple[str, str], tuple[Collection, str, dict, dict, Record | None, bool]] = {}
            dims: dict[str, dict[str, int]] = {}
            found: dict[str, Collection | None] = {}
            for i, obj in enumerate(objects):
                try:
                    coll = found[obj.collection]
                except KeyError:
                    coll = found[obj.collection] = self.find(obj.collection)
                if self.autoschema and (
                    coll is None or (obj.properties and not obj.properties.keys() <= coll.spec.properties.keys())
                ):
                    try:
                        coll = found[obj.collection] = self._auto_schema(obj, via_grpc=True)
                    except ApiError as e:
                        errors[i] = e.message
                        continue
                if coll is None:
                    errors[i] = f"class '{obj.collection}' not present in schema"
                    continue
                try:
                    uid, props, vectors = self._prepare(
                        coll, obj, via_grpc=True, pending_dims=dims.setdefault(coll.name, {})
                    )
                except ApiError as e:
                    errors[i] = e.message
                    continue
                key = (coll.name, uid)
                prepared.pop(key, None)  # a uuid twice in one batch: the last one wins
                prepared[key] = (coll, uid, props, vectors, coll.get(uid), True)
            if prepared:
                self._commit(list(prepared.values()))
        return errors

    def batch_delete(
        self, collection: str, mask_fn: Callable[[Collection], np.ndarray], dry_run: bool, limit: int = 10000
    ) -> tuple[Collection, list[str]]:
        with self.lock:
            coll = self.collection(collection)
            mask = mask_fn(coll)
            docs = np.flatnonzero(mask)[:limit]
            uuids = [coll.by_doc[d].uuid for d in docs.tolist() if coll.by_doc[d] is not None]
            if not dry_run and uuids:
                seqs = [coll.records[u].seq for u in uuids]
                self.store.delete_objects(coll.name, seqs)
                for u in uuids:
                    coll.delete(u)
            return coll, uuids
