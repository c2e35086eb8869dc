"""Reading and writing the interest model's data in Weaviate (through weaviate-client only).

Bulk reads use ``collection.iterator`` (cursor paging, no offset limit); per-user reads use
``fetch_objects`` with filters. Writes use pipelined ``data.insert_many`` batches (`write_objects`) and
collect failures instead of raising, as the client's batches do. A batch write replaces a whole object, so
when the interest model rewrites a ``User`` or ``Item`` it first reads the object and keeps every property
and named vector it does not own.

The trained model lives in the ``Domain`` collection: one object per domain (``kind="domain"``, with a
``centroid`` vector) and two model objects (``kind="model"``): ``classifier`` and ``keywords``, whose JSON
parameters are split into chunks in ``parameters``. All carry the same ``version``, which processes compare
with their cached copy (`load_model`) so a retrain is picked up without reloading the model on every call.

Weaviate has no transactions, so a new version is published in two steps: its parts (the domains and the
keywords, each under a UUID of its own version) are written first, in as many batches as they need; only when
every part is stored is the ``classifier`` object, at one fixed UUID, rewritten (a single-object write, which
Weaviate applies whole). That object is the marker readers consult: they read only the parts of its version,
so a failed or interrupted training leaves the previous model in use. Older versions' parts are deleted after.
"""

from __future__ import annotations

import json
import threading
import uuid as uuidlib
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import weaviate
from weaviate.classes.query import Filter
from weaviate.exceptions import WeaviateBaseError

from ..errors import ConnectionFailed, ModelNotTrained, SchemaMissing, WeaviateRejected, is_unreachable
from ..loaders.writer import WriteFailure, insert_many_errors
from ..schema.contracts import collection_name
from ..schema.identity import generate_uuid5
from ..settings import Settings
from .domains import DomainClassifier
from .keywords import KeywordExtractor
from .profile_model import InterestModel

__all__ = [
    "Names",
    "domain_uuid",
    "model_uuid",
    "model_part_uuid",
    "user_interest_uuid",
    "require_collections",
    "ensure_model_collections",
    "LOAD_ITEMS_FIRST",
    "TRAIN_FIRST",
    "collection_handle",
    "iterate",
    "fetch_where",
    "fetch_by_ids",
    "write_objects",
    "delete_ids",
    "save_model",
    "load_model",
    "stored_model_version",
    "clear_model_cache",
    "to_unix",
    "vector_of",
]

_CHUNK = 60_000  # characters per parameters chunk (one field-tokenized term each)
_PAGE = 10_000  # Weaviate's default QUERY_MAXIMUM_RESULTS: offset + limit may not exceed it
_ID_CHUNK = 500  # ids per `_id contains_any` request
_WRITE_CONCURRENCY = 2  # batch requests in flight at once (encoding one while the server stores another)


@dataclass(frozen=True)
class Names:
    """The collection names for a settings' prefix."""

    item: str
    user: str
    interaction: str
    domain: str
    user_interest: str

    @classmethod
    def of(cls, settings: Settings) -> Names:
        p = settings.prefix
        return cls(
            item=collection_name("Item", p),
            user=collection_name("User", p),
            interaction=collection_name("Interaction", p),
            domain=collection_name("Domain", p),
            user_interest=collection_name("UserInterest", p),
        )


def domain_uuid(name: str) -> str:
    return generate_uuid5(json.dumps(["domain", name]), "Domain")


def model_uuid(name: str) -> str:
    return generate_uuid5(json.dumps(["model", name]), "Domain")


def model_part_uuid(kind: str, name: str, version: str) -> str:
    """The UUID of one part (``kind`` "domain" or "model") of one model version."""
    return generate_uuid5(json.dumps([kind, name, version]), "Domain")


def user_interest_uuid(user_id: str, domain: str) -> str:
    return generate_uuid5(json.dumps([user_id, domain]), "UserInterest")


# Collections each client has seen exist (positive answers only), so the hot paths (`record`, `get_profile`)
# do not pay a schema round trip per collection on every call. A collection deleted while a process runs then
# surfaces as a refused query (WeaviateRejected) rather than SchemaMissing.
_known_lock = threading.Lock()
_known: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def _known_to(client: Any) -> set[str]:
    with _known_lock:
        try:
            return set(_known.get(client, ()))
        except TypeError:  # a client that cannot be weakly referenced: no cache
            return set()


def _remember(client: Any, names: Iterable[str]) -> None:
    with _known_lock:
        try:
            _known.setdefault(client, set()).update(names)
        except TypeError:
            pass


def ensure_model_collections(client: weaviate.WeaviateClient, settings: Settings) -> None:
    """Create (or bring up to the contract) every collection the interest model reads or writes besides the
    catalog: User and Interaction (both optional inputs: a catalog may have no users file, and profiles are
    written onto User objects), Domain and UserInterest.

    So the documented pipeline works whichever optional steps (`schema create`, `load users`) were skipped.
    Done once per client and prefix (the schema is checked again in a new process). The Item collection is
    not created here: it must hold the loaded catalog (see `require_collections`).
    """
    from ..schema import register_schema
    from ..schema.contracts import DOMAIN, INTERACTION, USER, USER_INTEREST

    marker = f"\x00ensured:{settings.prefix}"
    if marker in _known_to(client):
        return
    register_schema(client, settings.prefix, contracts=[USER, INTERACTION, DOMAIN, USER_INTEREST])
    names = Names.of(settings)
    _remember(client, [marker, names.user, names.interaction, names.domain, names.user_interest])


#: What to do when the catalog's collection is missing: only loading items fills it.
LOAD_ITEMS_FIRST = "load the catalog first (`weaviate-recsys load items FILE`)"
#: What to do when a profile is asked for before the interest model exists.
TRAIN_FIRST = "train the interest model first (`weaviate-recsys domains train`, then `weaviate-recsys profiles build`)"


def require_collections(
    client: weaviate.WeaviateClient,
    names: Iterable[str],
    what_to_do: str = "run `weaviate-recsys schema create` (and load data) first",
) -> None:
    """Raise `SchemaMissing` naming the first collection that does not exist and ``what_to_do`` (existing ones
    are remembered per client, so a later call asks Weaviate only about the others)."""
    known = _known_to(client)
    try:
        for name in names:
            if name in known:
                continue
            if not client.collections.exists(name):
                raise SchemaMissing(f"The collection {name!r} does not exist: {what_to_do}.")
            _remember(client, [name])
    except WeaviateBaseError as e:
        raise ConnectionFailed(f"Could not read the schema from Weaviate: {e}. Check that Weaviate is running.") from e


_HANDLES: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_HANDLES_LOCK = threading.Lock()


def collection_handle(client: weaviate.WeaviateClient, name: str) -> Any:
    """The client's handle on collection ``name``, made once per client: building one validates the name
    and costs about half a millisecond, which adds up on the recommendation path (several reads per call).
    """
    with _HANDLES_LOCK:
        try:
            per_client = _HANDLES.setdefault(client, {})
        except TypeError:  # a client that cannot be weakly referenced: no cache
            per_client = {}
        coll = per_client.get(name)
        if coll is None:
            use = getattr(client.collections, "use", None)
            coll = per_client[name] = use(name) if use is not None else client.collections.get(name)
    return coll


def _wrap(action: str) -> Callable[[WeaviateBaseError], ConnectionFailed | WeaviateRejected]:
    """Turn a client error into `ConnectionFailed` (Weaviate unreachable: retry once it runs) or
    `WeaviateRejected` (Weaviate answered no: the message says why)."""

    def make(e: WeaviateBaseError) -> ConnectionFailed | WeaviateRejected:
        if is_unreachable(e):
            return ConnectionFailed(f"{action} failed: {e}. Check that Weaviate is running, then try again.")
        return WeaviateRejected(f"{action} was refused by Weaviate: {e}")

    return make


def iterate(
    client: weaviate.WeaviateClient,
    name: str,
    properties: Sequence[str] | None = None,
    include_vector: bool = False,
    cache_size: int = 2000,
) -> Iterator[Any]:
    """Every object of a collection (cursor paging), with the given properties (None: all)."""
    coll = collection_handle(client, name)
    try:
        yield from coll.iterator(
            include_vector=include_vector,
            return_properties=list(properties) if properties is not None else None,
            cache_size=cache_size,
        )
    except WeaviateBaseError as e:
        raise _wrap(f"Reading {name}")(e) from e


def fetch_where(
    client: weaviate.WeaviateClient,
    name: str,
    prop: str,
    values: Sequence[str],
    properties: Sequence[str] | None = None,
    include_vector: bool = False,
) -> list[Any]:
    """Objects whose ``prop`` is one of ``values`` (read in a few filtered requests).

    A filtered read cannot use the cursor, and offset paging stops at Weaviate's ``QUERY_MAXIMUM_RESULTS``
    (10,000): when a request fills a whole page, the rest is read with the cursor over the collection and
    filtered here (correct, only slower, and only for very large groups such as a user with 10,000+ events).
    """
    coll = collection_handle(client, name)
    out: list[Any] = []
    vals = list(dict.fromkeys(values))
    try:
        for start in range(0, len(vals), 100):
            chunk = vals[start : start + 100]
            flt = (
                Filter.by_property(prop).equal(chunk[0])
                if len(chunk) == 1
                else Filter.by_property(prop).contains_any(chunk)
            )
            res = coll.query.fetch_objects(
                filters=flt,
                limit=_PAGE,
                include_vector=include_vector,
                return_properties=list(properties) if properties is not None else None,
            )
            if len(res.objects) < _PAGE:
                out.extend(res.objects)
                continue
            wanted = set(chunk)
            props = None if properties is None else sorted(set(properties) | {prop})
            for obj in coll.iterator(include_vector=include_vector, return_properties=props, cache_size=2000):
                if obj.properties.get(prop) in wanted:
                    out.append(obj)
    except WeaviateBaseError as e:
        raise _wrap(f"Reading {name}")(e) from e
    return out


def fetch_by_ids(
    client: weaviate.WeaviateClient,
    name: str,
    uuids: Sequence[str],
    properties: Sequence[str] | None = None,
    include_vector: bool = False,
) -> list[Any]:
    """Objects with these UUIDs (missing ones are simply absent)."""
    coll = collection_handle(client, name)
    out: list[Any] = []
    ids = list(dict.fromkeys(str(u) for u in uuids))
    try:
        for start in range(0, len(ids), _ID_CHUNK):
            chunk = ids[start : start + _ID_CHUNK]
            res = coll.query.fetch_objects(
                filters=Filter.by_id().contains_any(chunk),
                limit=len(chunk),
                include_vector=include_vector,
                return_properties=list(properties) if properties is not None else None,
            )
            out.extend(res.objects)
    except WeaviateBaseError as e:
        raise _wrap(f"Reading {name}")(e) from e
    return out


def write_objects(
    client: weaviate.WeaviateClient,
    name: str,
    objects: Iterable[tuple[str, dict[str, Any], dict[str, Any] | None]],
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
    concurrency: int = _WRITE_CONCURRENCY,
) -> list[WriteFailure]:
    """Upsert ``(uuid, properties, vectors)`` in batches; returns the objects Weaviate rejected.

    Uses the client's synchronous batch call (``data.insert_many``, one gRPC BatchObjects request per
    ``batch_size`` objects): no background thread for a single batch, so a one-object update returns as soon
    as it is stored. With several batches, ``concurrency`` of them are in flight at once, so the client's
    encoding of one batch overlaps the server's storing of another (as ``batch.fixed_size(concurrent_requests)``
    does). Objects that fail are retried once (a transient error should not leave a user without a profile).
    """
    from weaviate.classes.data import DataObject

    coll = collection_handle(client, name)
    pending = list(objects)
    failures: list[WriteFailure] = []

    def send(chunk: list[tuple[str, dict[str, Any], dict[str, Any] | None]]) -> dict[int, str]:
        try:
            return insert_many_errors(coll, [DataObject(properties=p, uuid=u, vector=v or None) for u, p, v in chunk])
        except WeaviateBaseError as e:
            raise _wrap(f"Writing to {name}")(e) from e

    for attempt in range(2):
        if not pending:
            break
        failed: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
        failures = []
        chunks = [pending[start : start + batch_size] for start in range(0, len(pending), batch_size)]

        def handle(
            chunk: list[tuple[str, dict[str, Any], dict[str, Any] | None]], errors: dict[int, str], first: bool
        ) -> None:
            for idx, reason in errors.items():
                failed.append(chunk[idx])  # noqa: B023 (handle runs within this attempt)
                failures.append(WriteFailure(chunk[idx][0], chunk[idx][1], reason))  # noqa: B023
            if progress is not None and first:
                progress(len(chunk))

        if len(chunks) > 1 and concurrency > 1:
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                for chunk, res in zip(chunks, pool.map(send, chunks)):
                    handle(chunk, res, attempt == 0)
        else:
            for chunk in chunks:
                handle(chunk, send(chunk), attempt == 0)
        pending = failed
    return failures


def delete_ids(client: weaviate.WeaviateClient, name: str, uuids: Sequence[str]) -> int:
    """Delete objects by UUID; returns how many Weaviate reports deleted."""
    coll = collection_handle(client, name)
    deleted = 0
    ids = list(dict.fromkeys(uuids))
    try:
        for start in range(0, len(ids), _ID_CHUNK):
            res = coll.data.delete_many(where=Filter.by_id().contains_any(ids[start : start + _ID_CHUNK]))
            deleted += int(getattr(res, "successful", 0) or 0)
    except WeaviateBaseError as e:
        raise _wrap(f"Deleting from {name}")(e) from e
    return deleted


def to_unix(value: Any) -> float:
    """A date property as Unix seconds (NaN when absent)."""
    if value is None:
        return float("nan")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return float("nan")


def vector_of(obj: Any, name: str) -> list[float] | None:
    """A named vector of a returned object, or None."""
    vec = getattr(obj, "vector", None)
    if isinstance(vec, dict):
        v = vec.get(name)
        return list(v) if v else None
    return None


# --- the model -------------------------------------------------------------------------------------


def _chunks(text: str) -> list[str]:
    return [text[i : i + _CHUNK] for i in range(0, len(text), _CHUNK)] or [""]


def save_model(
    client: weaviate.WeaviateClient,
    settings: Settings,
    classifier: DomainClassifier,
    extractor: KeywordExtractor,
    domains: Sequence[dict[str, Any]],
) -> str:
    """Store the classifier, the keyword extractor and the domains; delete domains that no longer exist.

    Args:
        domains: one dict per domain: ``name``, ``item_count``, ``predicted_count``, ``keywords``,
            ``keyword_weights``, ``centroid`` (a vector or None).

    Returns:
        The new model version.
    """
    names = Names.of(settings)
    ensure_model_collections(client, settings)
    version = uuidlib.uuid4().hex
    now = datetime.now(UTC)

    def model_object(model_name: str, payload: dict[str, Any]) -> dict[str, Any]:
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        return {"name": model_name, "kind": "model", "parameters": _chunks(text), "version": version, "trained_at": now}

    parts: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [
        (model_part_uuid("model", "keywords", version), model_object("keywords", extractor.to_dict()), None)
    ]
    for d in domains:
        centroid = d.get("centroid")
        parts.append(
            (
                model_part_uuid("domain", d["name"], version),
                {
                    "name": d["name"],
                    "kind": "domain",
                    "item_count": int(d.get("item_count", 0)),
                    "predicted_count": int(d.get("predicted_count", 0)),
                    "keywords": list(d.get("keywords", [])),
                    "keyword_weights": [float(x) for x in d.get("keyword_weights", [])],
                    "version": version,
                    "trained_at": now,
                },
                {"centroid": [float(x) for x in centroid]} if centroid is not None else None,
            )
        )
    # Every part first; the marker (the classifier, at its fixed UUID) only once all of them are stored.
    marker = (model_uuid("classifier"), model_object("classifier", classifier.to_params()), None)
    for batch in (parts, [marker]):
        failures = write_objects(client, names.domain, batch, batch_size=settings.write_batch_size)
        if failures:
            raise WeaviateRejected(
                f"Weaviate rejected {len(failures)} objects of the domain model (first: {failures[0].reason}); "
                "the previous model stays in use: run `weaviate-recsys domains train` again."
            )
    stale = [
        str(o.uuid)
        for o in iterate(client, names.domain, ["version"])
        if o.properties.get("version") != version and str(o.uuid) != marker[0]
    ]
    if stale:
        delete_ids(client, names.domain, stale)
    clear_model_cache()
    return version


_cache_lock = threading.Lock()
_model_cache: dict[tuple[str, str], InterestModel] = {}


def clear_model_cache() -> None:
    """Forget cached models (the next `load_model` reads Weaviate)."""
    with _cache_lock:
        _model_cache.clear()


def stored_model_version(client: weaviate.WeaviateClient, settings: Settings) -> str | None:
    """The version of the stored model (one small request), or None when none is stored."""
    names = Names.of(settings)
    if names.domain not in _known_to(client):
        if not client.collections.exists(names.domain):
            return None
        _remember(client, [names.domain])
    try:
        obj = collection_handle(client, names.domain).query.fetch_object_by_id(
            model_uuid("classifier"), return_properties=["version"]
        )
    except WeaviateBaseError as e:
        raise _wrap(f"Reading {names.domain}")(e) from e
    return None if obj is None else str(obj.properties.get("version") or "")


def load_model(client: weaviate.WeaviateClient, settings: Settings) -> InterestModel:
    """The stored model, from this process's cache when its version is still the stored one.

    Raises:
        ModelNotTrained: nothing is stored yet (run ``weaviate-recsys domains train``).
    """
    names = Names.of(settings)
    version = stored_model_version(client, settings)
    if not version:
        raise ModelNotTrained(
            f"No trained interest model in {names.domain}: run `weaviate-recsys domains train` first "
            "(it trains the domain classifier and the keyword vocabulary)."
        )
    key = (names.domain, version)
    with _cache_lock:
        cached = _model_cache.get(key)
    if cached is not None:
        return cached
    # Only the parts of the marker's version; read again when a training published a newer version meanwhile
    # (its cleanup deletes the parts of the one being read).
    parts: list[Any] = []
    for _ in range(3):
        parts = fetch_where(client, names.domain, "version", [version], include_vector=True)
        latest = stored_model_version(client, settings)
        if latest == version or not latest:
            break
        version = latest
    by_name = {o.properties.get("name"): o for o in parts if o.properties.get("kind") == "model"}
    if {"classifier", "keywords"} - set(by_name):
        raise ModelNotTrained(f"The model in {names.domain} is incomplete: run `weaviate-recsys domains train` again.")
    key = (names.domain, version)
    clf_params = json.loads("".join(by_name["classifier"].properties.get("parameters") or []))
    kw_params = json.loads("".join(by_name["keywords"].properties.get("parameters") or []))
    classifier = DomainClassifier.from_params(clf_params)
    extractor = KeywordExtractor.from_dict(kw_params)
    centroids: dict[str, np.ndarray] = {}
    domain_names: list[str] = []
    for o in parts:
        if o.properties.get("kind") != "domain":
            continue
        domain_names.append(str(o.properties["name"]))
        v = vector_of(o, "centroid")
        if v is not None:
            centroids[str(o.properties["name"])] = np.asarray(v, dtype=np.float32)
    for c in classifier.classes_:
        if c not in domain_names:
            domain_names.append(c)
    model = InterestModel(
        extractor=extractor,
        classifier=classifier if classifier.fitted else None,
        domain_names=sorted(domain_names),
        version=version,
        domain_centroids=centroids,
    )
    with _cache_lock:
        for k in [k for k in _model_cache if k[0] == names.domain]:
            del _model_cache[k]
        _model_cache[key] = model
    return model
