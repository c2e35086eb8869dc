"""Building, reading and incrementally updating users' interest profiles in Weaviate.

This module is the I/O around `weaviate_recsys.plugin.profile_inputs.compute_user_profiles` (the pure
computation). ``build_profiles`` reads everything it needs once in bulk (the stored model, items with their
vectors, the interactions and users in scope), computes all profiles together and writes the changed ones in
batches: the ``User`` object (long-term ``domains``, ``domain_weights``, ``keywords``, ``keyword_weights`` and
the ``interest`` vector; the short-term ``recent_domains``, ``recent_domain_weights``, ``recent_keywords``,
``recent_keyword_weights`` and the ``recent_interest`` vector; ``event_count``, ``profile_updated_at``) and one
``UserInterest`` object per long-term top domain. ``record`` stores one interaction and rebuilds only that
user's profile, reading only that user's events and items (the model comes from a per-process cache,
checked against the stored version). ``get_profile`` reads a stored profile back (or computes one on the fly
when none is stored yet).
"""

from __future__ import annotations

import functools
import hashlib
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import weaviate
from pydantic import BaseModel, Field

from .._lazy import LazyModule
from ..errors import ConfigurationError, ConnectionFailed, ModelNotTrained, UnknownUser, WeaviateRejected
from ..loaders.writer import WriteFailure
from ..progress import Progress
from ..schema.contracts import BEHAVIOR_VECTOR, CONTENT_VECTOR, INTEREST_VECTOR, RECENT_INTEREST_VECTOR
from ..schema.identity import interaction_uuid, item_uuid, user_uuid
from ..settings import Settings
from .macro import top_domains
from .profile_inputs import (
    DEFAULT_EXTRA_KIND_WEIGHT,
    EventData,
    ItemData,
    compute_user_profiles,
    embed_stated,
    user_evidence,
)
from .profile_model import (
    CatalogView,
    InterestModel,
    InterestProfile,
    ProfileBatch,
    ProfileCounts,
    ProfileStatus,
    ShortTermInterest,
    compute_profiles,
)
from .storage import (
    LOAD_ITEMS_FIRST,
    TRAIN_FIRST,
    Names,
    collection_handle,
    delete_ids,
    ensure_model_collections,
    fetch_by_ids,
    fetch_where,
    iterate,
    load_model,
    require_collections,
    to_unix,
    user_interest_uuid,
    vector_of,
    write_objects,
)
from .training import item_keyword_text

if TYPE_CHECKING:
    import scipy.sparse as sp
else:
    sp = LazyModule("scipy.sparse")  # imported when a matrix is first built

__all__ = [
    "BuildReport",
    "Shard",
    "parse_shard",
    "build_profiles",
    "get_profile",
    "profile_from_text",
    "record",
    "DEFAULT_EXTRA_KIND_WEIGHT",
]


_TEXT_VECTOR = "text"
_ITEM_PROPS = ["item_id", "domain", "title", "description", "tags", "categories", "brand"]
_EVENT_PROPS = ["user_id", "item_id", "kind", "rating", "text", "timestamp", "seq"]
_BULK_PAGE = 10_000  # objects per cursor page in a full build
_NEAREST_ITEMS = 20  # items whose domains stand in for a classifier when no model is trained


class Shard(BaseModel):
    """Shard ``index`` of ``count``: the users whose stable hash falls in it (``profiles build --shard 0/4``)."""

    index: int = Field(ge=0)
    count: int = Field(ge=1)

    def owns(self, user_id: str) -> bool:
        return zlib.crc32(user_id.encode("utf-8")) % self.count == self.index


def parse_shard(text: str) -> Shard:
    """``"i/n"`` -> `Shard` (0 <= i < n).

    Raises:
        ConfigurationError: not of the form i/n.
    """
    try:
        i, n = (int(p) for p in text.split("/"))
    except ValueError as e:
        raise ConfigurationError(f"--shard must look like i/n (e.g. 0/4), got {text!r}") from e
    if n < 1 or not 0 <= i < n:
        raise ConfigurationError(f"--shard {text}: need 0 <= i < n (e.g. 0/4 ... 3/4)")
    return Shard(index=i, count=n)


class BuildReport(BaseModel):
    """What a `build_profiles` run did."""

    users: int = Field(description="Users in scope.")
    built: int = Field(description="Profiles written.")
    complete: int
    partial: int
    empty: int = Field(description="Users with no usable evidence (their profile says why).")
    empty_examples: dict[str, str] = Field(default_factory=dict, description="A few empty users and the reason.")
    unknown_users: list[str] = Field(
        default_factory=list, description="Requested users with no User object and no events."
    )
    events: int
    unknown_item_events: int
    unchanged: int = Field(description="Users whose stored profile was already up to date (not rewritten).")
    user_interest_objects: int = Field(description="UserInterest objects written (unchanged ones are skipped).")
    stale_user_interest_deleted: int
    write_failures: int
    failure_examples: list[str] = Field(default_factory=list)
    model_version: str
    seconds: float
    users_per_s: float
    timings: dict[str, float] = Field(default_factory=dict)


# --- reading evidence: Weaviate objects -> plain records -----------------------------------------------


def _item_data(obj: Any) -> ItemData:
    p = obj.properties
    return ItemData(
        item_id=str(p.get("item_id")),
        domain=p.get("domain") or None,
        text=item_keyword_text(p),
        vector=vector_of(obj, CONTENT_VECTOR),
        behavior_vector=vector_of(obj, BEHAVIOR_VECTOR),
    )


def _event_data(obj: Any) -> EventData:
    p = obj.properties
    text = p.get("text") or None
    return EventData(
        user_id=str(p["user_id"]),
        item_id=p.get("item_id") or None,
        kind=str(p.get("kind") or ""),
        rating=p.get("rating"),
        timestamp=to_unix(p.get("timestamp")),
        seq=p.get("seq"),
        text=text,
        text_vector=vector_of(obj, _TEXT_VECTOR) if text else None,
    )


def _same_vector(stored: list[float] | None, new: np.ndarray | None) -> bool:
    if stored is None or new is None:
        return stored is None and new is None
    return len(stored) == len(new) and float(np.max(np.abs(np.asarray(stored, dtype=np.float32) - new))) <= 1e-6


# --- writing ----------------------------------------------------------------------------------------


#: The User properties a build writes: long-term (``domains``, ``keywords``) and short-term (``recent_*``).
_PROFILE_LISTS = ("domains", "keywords", "recent_domains", "recent_keywords")
_PROFILE_WEIGHTS = ("domain_weights", "keyword_weights", "recent_domain_weights", "recent_keyword_weights")


def _same_profile(old: Any, props: dict[str, Any], vecs: dict[str, np.ndarray | None]) -> bool:
    """Whether a stored User already holds this profile (so a rebuild need not rewrite it). A User written
    before the short-term interest existed lacks its properties and vector, so it is rewritten."""
    if old is None or not old.properties.get("profile_updated_at"):
        return False
    p = old.properties
    for key in _PROFILE_LISTS:
        if list(p.get(key) or []) != list(props.get(key) or []):
            return False
    for key in _PROFILE_WEIGHTS:
        a, b = list(p.get(key) or []), list(props.get(key) or [])
        if len(a) != len(b) or any(abs(float(x) - float(y)) > 1e-6 for x, y in zip(a, b)):
            return False
    if int(p.get("event_count") or 0) != int(props.get("event_count") or 0):
        return False
    return all(_same_vector(vector_of(old, name), vec) for name, vec in vecs.items())


def _pairs_into(props: dict[str, Any], names: str, weights: str, pairs: Sequence[tuple[str, float]]) -> None:
    if pairs:
        props[names] = [n for n, _ in pairs]
        props[weights] = [w for _, w in pairs]


def _user_objects(
    batch: ProfileBatch,
    existing: dict[str, Any],
    now: datetime,
) -> tuple[list[tuple[str, dict[str, Any], dict[str, Any] | None]], int]:
    """User objects to write (whole objects: other components' properties and vectors are kept), and how
    many users were skipped because their stored profile is already this one."""
    out = []
    unchanged = 0
    # The behaviour vector is this build's only once behaviour is trained (items have vectors); before that,
    # one written by someone else is kept.
    mine = {INTEREST_VECTOR, RECENT_INTEREST_VECTOR} | ({BEHAVIOR_VECTOR} if batch.behavior is not None else set())
    for i, uid in enumerate(batch.user_ids):
        old = existing.get(uid)
        props: dict[str, Any] = {}
        vecs: dict[str, Any] = {}
        if old is not None:
            props = {k: v for k, v in dict(old.properties).items() if v is not None and v != []}
            if isinstance(old.vector, dict):
                vecs = {k: v for k, v in old.vector.items() if v and k not in mine}
        props["user_id"] = uid
        for key in _PROFILE_LISTS + _PROFILE_WEIGHTS:
            props.pop(key, None)
        _pairs_into(props, "domains", "domain_weights", batch.domains[i])
        _pairs_into(props, "keywords", "keyword_weights", batch.keywords[i])
        short = batch.short_term(i)
        _pairs_into(props, "recent_domains", "recent_domain_weights", short.domains)
        _pairs_into(props, "recent_keywords", "recent_keyword_weights", short.keywords)
        props["event_count"] = batch.counts[i].events
        new: dict[str, np.ndarray | None] = {
            INTEREST_VECTOR: batch.interest[i] if batch.has_interest[i] else None,
            RECENT_INTEREST_VECTOR: (
                batch.recent_interest[i]
                if batch.recent_interest is not None
                and batch.has_recent_interest is not None
                and batch.has_recent_interest[i]
                else None
            ),
        }
        if batch.behavior is not None:
            new[BEHAVIOR_VECTOR] = (
                batch.behavior[i] if batch.has_behavior is not None and batch.has_behavior[i] else None
            )
        if _same_profile(old, props, new):
            unchanged += 1
            continue
        props["profile_updated_at"] = now
        # Arrays, not lists: the client packs them per batch in its write threads (weaviate.util.get_vector),
        # instead of this loop building ~10 million float objects up front (and the GC passes they cost).
        vecs.update({name: v for name, v in new.items() if v is not None})
        out.append((user_uuid(uid), props, vecs or None))
    return out, unchanged


def _profile_hash(props: dict[str, Any], vec: np.ndarray | None) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(repr(sorted(props.items())).encode("utf-8"))
    if vec is not None:
        h.update(np.asarray(vec, dtype=np.float32).tobytes())
    return h.hexdigest()


def _interest_objects(
    batch: ProfileBatch,
    now: datetime,
    stored_hashes: dict[str, str],
) -> tuple[list[tuple[str, dict[str, Any], dict[str, Any] | None]], set[str], int]:
    """UserInterest objects to write, the UUIDs that should exist, and how many were unchanged."""
    out = []
    keep: set[str] = set()
    unchanged = 0
    for i, uid in enumerate(batch.user_ids):
        for rank, (dom, weight) in enumerate(batch.domains[i]):
            kws = batch.domain_keywords[i].get(dom, [])
            props: dict[str, Any] = {
                "user_id": uid,
                "domain": dom,
                "weight": weight,
                "rank": rank,
                "event_count": batch.domain_events[i].get(dom, 0),
            }
            if kws:
                props["keywords"] = [k for k, _ in kws]
                props["keyword_weights"] = [w for _, w in kws]
            v = batch.domain_vectors[i].get(dom)
            u = user_interest_uuid(uid, dom)
            keep.add(u)
            digest = _profile_hash(props, v)
            if stored_hashes.get(u) == digest:
                unchanged += 1
                continue
            props["updated_at"] = now
            props["profile_hash"] = digest
            out.append((u, props, {INTEREST_VECTOR: v} if v is not None else None))
    return out, keep, unchanged


# --- the API ----------------------------------------------------------------------------------------


def _read_all(client: weaviate.WeaviateClient, name: str, properties: Sequence[str] | None, vectors: bool) -> list[Any]:
    """Every object of a collection, in large cursor pages (few round trips)."""
    return list(iterate(client, name, properties, include_vector=vectors, cache_size=_BULK_PAGE))


@dataclass
class _BuildInputs:
    """What a build read from Weaviate: the model, the users in scope with their events and items, the User
    objects and (for a write) the stored UserInterest hashes."""

    model: InterestModel
    scope: list[str]
    unknown_users: list[str]
    existing: dict[str, Any]
    events: list[Any]
    items: list[Any]
    old_interests: list[Any]


def _in_scope(
    users: Sequence[str] | None, shard: Shard | None, existing: Mapping[str, Any], events: list[Any]
) -> tuple[list[str], list[str], list[Any]]:
    """The users to build (requested, else everyone with a User object or events; within the shard), the
    requested users nobody knows, and the events of the users in scope."""
    if users is not None:
        scope = list(dict.fromkeys(str(u) for u in users))
    else:
        scope = sorted(set(existing) | {str(o.properties["user_id"]) for o in events if o.properties.get("user_id")})
    if shard is not None:
        scope = [u for u in scope if shard.owns(u)]
    in_scope = set(scope)
    events = [o for o in events if o.properties.get("user_id") in in_scope]
    with_events = {o.properties["user_id"] for o in events}
    unknown = [u for u in scope if u not in existing and u not in with_events]
    unknown_set = set(unknown)
    return [u for u in scope if u not in unknown_set], unknown, events


def _read_inputs(
    client: weaviate.WeaviateClient,
    settings: Settings,
    users: Sequence[str] | None,
    shard: Shard | None,
    write: bool,
    lap: Callable[[str], None],
) -> _BuildInputs:
    """Read everything a build needs. The reads are independent: they run at once, so the client decoding one
    reply overlaps the server answering the others (and a per-user update waits for one round trip)."""
    names = Names.of(settings)
    with ThreadPoolExecutor(max_workers=4) as pool:
        try:
            if users is not None:
                wanted = list(dict.fromkeys(str(u) for u in users))
                f_events = pool.submit(
                    fetch_where, client, names.interaction, "user_id", wanted, _EVENT_PROPS, include_vector=True
                )
                f_users = pool.submit(
                    fetch_by_ids, client, names.user, [user_uuid(u) for u in wanted], include_vector=True
                )
                f_old = (
                    pool.submit(
                        fetch_where, client, names.user_interest, "user_id", wanted, ["user_id", "profile_hash"]
                    )
                    if write
                    else None
                )
                f_items = None
            else:
                f_events = pool.submit(_read_all, client, names.interaction, _EVENT_PROPS, True)
                f_users = pool.submit(_read_all, client, names.user, None, True)
                f_items = pool.submit(_read_all, client, names.item, _ITEM_PROPS, True)
                f_old = (
                    pool.submit(_read_all, client, names.user_interest, ["user_id", "profile_hash"], False)
                    if write
                    else None
                )
            model = load_model(client, settings)
            lap("model")
            events = f_events.result()
            existing = {str(o.properties["user_id"]): o for o in f_users.result() if o.properties.get("user_id")}
            lap("read_events_users")
            scope, unknown, events = _in_scope(users, shard, existing, events)
            if f_items is None:
                item_ids = {str(o.properties["item_id"]) for o in events if o.properties.get("item_id")}
                items = fetch_by_ids(
                    client, names.item, [item_uuid(i) for i in item_ids], _ITEM_PROPS, include_vector=True
                )
            else:
                items = f_items.result()
            in_scope = set(scope)
            old = [o for o in (f_old.result() if f_old is not None else []) if o.properties.get("user_id") in in_scope]
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    lap("read_items")
    return _BuildInputs(model, scope, unknown, existing, events, items, old)


def _write_profiles(
    client: weaviate.WeaviateClient,
    settings: Settings,
    batch: ProfileBatch,
    inputs: _BuildInputs,
    progress: Progress | None,
) -> tuple[list[WriteFailure], int, int, int]:
    """Write the changed User and UserInterest objects and delete UserInterest objects of domains a user no
    longer has. Returns (failures, users unchanged, UserInterest objects written, stale ones deleted)."""
    names = Names.of(settings)
    now = datetime.now(UTC)
    stored_hashes = {str(o.uuid): str(o.properties.get("profile_hash") or "") for o in inputs.old_interests}
    interest_objs, keep, _ = _interest_objects(batch, now, stored_hashes)
    user_objs, unchanged = _user_objects(batch, inputs.existing, now)
    stale = [u for u in stored_hashes if u not in keep]
    done = [unchanged]
    total = len(inputs.scope)
    if progress is not None:
        progress(done[0], total)

    def tick(k: int) -> None:
        done[0] += k
        if progress is not None:
            progress(min(done[0], total), total)

    with ThreadPoolExecutor(max_workers=1) as side:  # the two collections are written at the same time
        f_interest = side.submit(
            write_objects, client, names.user_interest, interest_objs, batch_size=settings.write_batch_size
        )
        failures = write_objects(client, names.user, user_objs, batch_size=settings.write_batch_size, progress=tick)
        failures += f_interest.result()
    stale_deleted = delete_ids(client, names.user_interest, stale) if stale else 0
    return failures, unchanged, len(interest_objs), stale_deleted


def _build(
    client: weaviate.WeaviateClient,
    settings: Settings,
    users: Sequence[str] | None,
    shard: Shard | None,
    embedder: Any,
    progress: Progress | None,
    write: bool,
) -> tuple[ProfileBatch, BuildReport, InterestModel]:
    """Read (`_read_inputs`), compute (`compute_user_profiles`, no Weaviate) and, with ``write``, store
    (`_write_profiles`) the profiles of ``users`` (None: everyone)."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    clock = [started]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - clock[0], 3)
        clock[0] = now

    names = Names.of(settings)
    require_collections(client, [names.item], LOAD_ITEMS_FIRST)
    if write:
        ensure_model_collections(client, settings)
    require_collections(client, [names.user, names.interaction, names.domain, names.user_interest], TRAIN_FIRST)
    inputs = _read_inputs(client, settings, users, shard, write, lap)
    scope, model = inputs.scope, inputs.model
    items = [_item_data(o) for o in inputs.items]
    events = [_event_data(o) for o in inputs.events]
    stated = {u: inputs.existing[u].properties.get("stated_interests") for u in scope if u in inputs.existing}
    lap("evidence")
    batch = compute_user_profiles(model, items, events, scope, settings, stated=stated, embedder=embedder)
    lap("compute")
    failures: list[WriteFailure] = []
    unchanged = n_interest = stale_deleted = 0
    if write and scope:
        failures, unchanged, n_interest, stale_deleted = _write_profiles(client, settings, batch, inputs, progress)
        lap("write")
    statuses = [batch.status(i) for i in range(len(scope))]
    empty_examples: dict[str, str] = {}
    for i, s in enumerate(statuses):
        if s == "empty" and len(empty_examples) < 5:
            empty_examples[scope[i]] = batch.notes[i][0] if batch.notes[i] else "no evidence"
    seconds = time.perf_counter() - started
    failed_users = {f.uuid for f in failures} & {user_uuid(u) for u in scope}
    report = BuildReport(
        users=len(scope) + len(inputs.unknown_users),
        built=len(scope) - len(failed_users),
        complete=statuses.count("complete"),
        partial=statuses.count("partial"),
        empty=statuses.count("empty"),
        empty_examples=empty_examples,
        unknown_users=inputs.unknown_users,
        events=len(events),
        unknown_item_events=sum(c.unknown_item_events or 0 for c in batch.counts),
        unchanged=unchanged,
        user_interest_objects=n_interest,
        stale_user_interest_deleted=stale_deleted,
        write_failures=len(failures),
        failure_examples=[f"{f.uuid}: {f.reason}" for f in failures[:5]],
        model_version=model.version,
        seconds=round(seconds, 3),
        users_per_s=round(len(scope) / seconds, 1) if seconds > 0 else 0.0,
        timings=timings,
    )
    return batch, report, model


def build_profiles(
    client: weaviate.WeaviateClient,
    users: Sequence[str] | None = None,
    settings: Settings | None = None,
    embedder: Any = None,
    shard: Shard | str | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build and store the interest profiles of ``users`` (default: every user with a User object or events).

    Args:
        client: a connected client.
        users: user ids to build (others are untouched); None for all.
        settings: interest-model settings; defaults from the environment.
        embedder: embeds stated interests (default: `weaviate_recsys.loaders.get_embedder`, loaded only if a
            user in scope has stated interests).
        shard: build only shard ``i`` of ``n`` (a `Shard` or ``"i/n"``), so processes can split the users.
        progress: ``(done, total)`` callback over users written.

    Raises:
        ModelNotTrained: no interest model is stored (run ``weaviate-recsys domains train``).
        SchemaMissing: the collections do not exist.
    """
    settings = settings or Settings()
    if isinstance(shard, str):
        shard = parse_shard(shard)
    _, report, _ = _build(client, settings, users, shard, embedder, progress, write=True)
    return report


def record(
    client: weaviate.WeaviateClient,
    interaction: Any,
    settings: Settings | None = None,
    embedder: Any = None,
) -> InterestProfile:
    """Store one interaction and update that user's profile (only theirs), returning the new profile.

    Reads only this user's events and items; the model comes from the per-process cache (one small request
    checks that it is still the stored version), so the cost grows with the user's history, not the catalog.

    Args:
        interaction: an `InteractionRecord` or a mapping with its fields (``user_id``, ``item_id``, ``kind``,
            ``rating``, ``text``, ``timestamp``, ``seq``).
        embedder: embeds the interaction's text (and stated interests); default `get_embedder(settings)`,
            loaded only when there is text.

    Raises:
        ConfigurationError: the interaction is invalid (the message names the field).
        ModelNotTrained: no interest model is stored.
        WeaviateRejected: Weaviate refused to store the interaction or the updated profile.
    """
    from pydantic import ValidationError

    from ..loaders import InteractionRecord, content_hash, record_context

    settings = settings or Settings()
    names = Names.of(settings)
    require_collections(client, [names.interaction])
    if isinstance(interaction, InteractionRecord):
        rec = interaction
    else:
        try:
            rec = InteractionRecord.model_validate(
                dict(interaction) if isinstance(interaction, Mapping) else interaction, context=record_context(settings)
            )
        except ValidationError as e:
            msgs = "; ".join(
                f"{'.'.join(str(x) for x in err['loc']) or 'interaction'}: {err['msg']}" for err in e.errors()
            )
            raise ConfigurationError(f"Invalid interaction: {msgs}") from e
    props = rec.properties()
    vectors = None
    model_name = None
    if rec.text:
        if embedder is None:
            from ..loaders import get_embedder

            embedder = get_embedder(settings)
        model_name = embedder.name
        vectors = {_TEXT_VECTOR: embedder.embed_batch([rec.text])[0].tolist()}
    props["content_hash"] = content_hash(dict(props), model_name)
    uid = interaction_uuid(rec.user_id, rec.item_id, rec.kind, rec.timestamp, rec.seq, rec.text)
    failures = write_objects(client, names.interaction, [(uid, props, vectors)])
    if failures:
        raise WeaviateRejected(f"Weaviate rejected the interaction: {failures[0].reason}")
    batch, report, _ = _build(client, settings, [rec.user_id], None, embedder, None, write=True)
    if report.write_failures:
        raise WeaviateRejected(
            f"The interaction was stored but the profile was not: {report.failure_examples[0]}. "
            f"Run `weaviate-recsys profiles build --user {rec.user_id}`."
        )
    profile = batch.profile(0, updated_at=datetime.now(UTC))
    profile.stored = True
    return profile


def _has_interactions(client: weaviate.WeaviateClient, collection: str, user_id: str) -> bool:
    """Whether the user has any stored interaction (True when that cannot be read: the caller's full path
    then reports why)."""
    from weaviate.classes.query import Filter
    from weaviate.exceptions import WeaviateBaseError

    try:
        res = collection_handle(client, collection).query.fetch_objects(
            filters=Filter.by_property("user_id").equal(user_id), limit=1, return_properties=["user_id"]
        )
    except WeaviateBaseError:
        return True
    return bool(res.objects)


#: The UserInterest properties `get_profile` reads.
_INTEREST_PROPERTIES = ["domain", "rank", "keywords", "keyword_weights", "event_count"]


def get_profile(
    client: weaviate.WeaviateClient,
    user_id: str,
    settings: Settings | None = None,
    *,
    submit: Callable[..., Any] | None = None,
) -> InterestProfile:
    """The stored profile of one user (User object plus its UserInterest objects).

    When no profile was built for the user yet, it is computed on the fly (not stored; ``stored=False``).
    ``submit(fn, *args) -> Future`` (a thread pool's ``submit``) reads the two collections concurrently.

    Raises:
        UnknownUser: the user has no User object and no interactions.
        ModelNotTrained: a profile must be computed but no model is stored.
    """
    settings = settings or Settings()
    names = Names.of(settings)
    # Only what the profile reads: the rest (the interest's date, hash and weight) would be parsed for nothing.
    read_interests = functools.partial(
        fetch_where,
        client,
        names.user_interest,
        "user_id",
        [user_id],
        properties=_INTEREST_PROPERTIES,
        include_vector=True,
    )
    interests = submit(read_interests) if submit is not None else None
    try:
        objs = fetch_by_ids(client, names.user, [user_uuid(user_id)], include_vector=True)
    except (ConnectionFailed, WeaviateRejected):
        # Checked only on failure: existence checks cost a round trip on every read (the hot path).
        require_collections(client, [names.user, names.user_interest], TRAIN_FIRST)
        raise
    user = objs[0] if objs else None
    if user is None and not _has_interactions(client, names.interaction, user_id):
        # Nobody knows this user: say so without loading the interest model (a cold-start request must be fast).
        raise UnknownUser(
            f"No user {user_id!r}: it has no User object and no interactions. Load it with "
            "`weaviate-recsys load users` or record an interaction first."
        )
    if user is None or not user.properties.get("profile_updated_at"):
        batch, report, _ = _build(client, settings, [user_id], None, None, None, write=False)
        if report.unknown_users:
            raise UnknownUser(
                f"No user {user_id!r}: it has no User object and no interactions. Load it with "
                "`weaviate-recsys load users` or record an interaction first."
            )
        return batch.profile(0)
    p = user.properties
    found = interests.result() if interests is not None else read_interests()
    rows = sorted(found, key=lambda o: o.properties.get("rank") or 0)
    domains = _weighted(p, "domains", "domain_weights")
    keywords = _weighted(p, "keywords", "keyword_weights")
    domain_keywords = {}
    domain_vectors = {}
    by_domain = {}
    for o in rows:
        q = o.properties
        d = str(q.get("domain"))
        domain_keywords[d] = list(zip(q.get("keywords") or [], [float(x) for x in q.get("keyword_weights") or []]))
        by_domain[d] = int(q.get("event_count") or 0)
        v = vector_of(o, INTEREST_VECTOR)
        if v is not None:
            domain_vectors[d] = v
    interest = vector_of(user, INTEREST_VECTOR)
    events = int(p.get("event_count") or 0)
    notes = []
    has_any = bool(domains or keywords or interest)
    if not has_any:
        notes.append(
            "No interactions and no stated interests were usable when the profile was built: recommend popular "
            "items, or load this user's interactions and rebuild."
            if events == 0
            else f"{events} interactions but no usable evidence (unknown items, no domains or no text): run "
            f"`weaviate-recsys profiles build --user {user_id} --format json` to see why."
        )
    status: ProfileStatus = (
        "empty" if not has_any else ("complete" if (domains and keywords and interest) else "partial")
    )
    updated = p.get("profile_updated_at")
    return InterestProfile(
        user_id=user_id,
        domains=domains,
        keywords=keywords,
        domain_keywords=domain_keywords,
        interest_vector=interest,
        short_term=_stored_short_term(user),
        domain_vectors=domain_vectors,
        behavior_vector=vector_of(user, BEHAVIOR_VECTOR),
        event_count=events,
        counts=ProfileCounts(events=events, by_domain=by_domain),
        status=status,
        notes=notes,
        updated_at=updated if isinstance(updated, datetime) else None,
        stored=True,
    )


def _weighted(props: Mapping[str, Any], names: str, weights: str) -> list[tuple[str, float]]:
    return list(zip(props.get(names) or [], [float(x) for x in props.get(weights) or []]))


def _stored_short_term(user: Any) -> ShortTermInterest | None:
    """The short-term interest stored on a User; None for a profile built before it was stored (the next
    ``profiles build`` adds it)."""
    p = user.properties
    short = ShortTermInterest(
        domains=_weighted(p, "recent_domains", "recent_domain_weights"),
        keywords=_weighted(p, "recent_keywords", "recent_keyword_weights"),
        interest_vector=vector_of(user, RECENT_INTEREST_VECTOR),
    )
    return None if short.empty else short


def profile_from_text(
    client: weaviate.WeaviateClient,
    text: str,
    settings: Settings | None = None,
    embedder: Any = None,
    user_id: str | None = None,
) -> InterestProfile:
    """The interest profile a piece of text implies, built like a user's own content; nothing is written.

    The text is treated exactly as a stated interest of a user without history (`build_profiles` gives a
    stated-only user the same profile): classified with the stored domain classifier (macro), keyword-extracted
    with the stored vocabulary, overall and per domain (micro), and embedded (the interest vector; per-domain
    vectors are the text's vector in the domain it is classified into and the domain centroid elsewhere).
    Serves cold start: `Recommender.recommend_for_text` and users with only ``stated_interests``.

    When no model is trained yet the profile is still usable, with a note saying so: its domains are those of
    the items nearest the text's vector (one query), its keywords the text's own words.

    Args:
        client: a connected client.
        text: any text (a search, a self-description, a review).
        settings: interest-model settings; defaults from the environment.
        embedder: embeds the text (default: `weaviate_recsys.loaders.get_embedder`); use the model the items
            were loaded with.
        user_id: the id to put on the profile (None: an anonymous profile, ``user_id=""``).

    Raises:
        ConnectionFailed: Weaviate could not be read.
    """
    settings = settings or Settings()
    uid = "" if user_id is None else str(user_id)
    text = (text or "").strip()
    if not text:
        return InterestProfile(
            user_id=uid,
            status="empty",
            stored=False,
            notes=["No text: nothing to build a profile from; recommend popular items."],
        )
    if embedder is None:
        from ..loaders import get_embedder

        embedder = get_embedder(settings)
    try:
        model = load_model(client, settings)
    except ModelNotTrained:
        return _untrained_text_profile(client, text, settings, embedder, uid)
    dim = model.classifier.dim if model.classifier is not None else int(embedder.dim)
    catalog = CatalogView(
        item_ids=[],
        domain_index=np.zeros(0, dtype=np.int64),
        vectors=np.zeros((0, dim), dtype=np.float32),
        has_vector=np.zeros(0, dtype=bool),
        terms=sp.csr_matrix((0, len(model.extractor.terms_))),
    )
    ev, notes = user_evidence([uid], [], catalog, settings, {uid: text}, embedder)
    batch = compute_profiles(model, catalog, ev, settings)
    batch.notes[0].extend(notes)
    return batch.profile(0)


def _untrained_text_profile(
    client: weaviate.WeaviateClient,
    text: str,
    settings: Settings,
    embedder: Any,
    uid: str,
) -> InterestProfile:
    """`profile_from_text` without a stored model: nearest items' domains, the text's own words."""
    from weaviate.classes.query import MetadataQuery
    from weaviate.exceptions import WeaviateBaseError

    from .text_processing import TextAnalyzer

    names = Names.of(settings)
    vec, ok, note = embed_stated([text], int(embedder.dim), settings, embedder)
    notes = [
        "No interest model is trained yet: domains come from the items nearest the text and keywords are "
        "its own words. Run `weaviate-recsys domains train` for classified domains and weighted keywords."
    ]
    if note:
        notes.append(note)
    domains: list[tuple[str, float]] = []
    if ok[0] and client.collections.exists(names.item):
        try:
            res = client.collections.use(names.item).query.near_vector(
                near_vector=vec[0].tolist(),
                target_vector=CONTENT_VECTOR,
                limit=_NEAREST_ITEMS,
                return_properties=["domain"],
                return_metadata=MetadataQuery(distance=True),
            )
        except WeaviateBaseError as e:
            raise ConnectionFailed(f"Reading {names.item} failed: {e}. Check that Weaviate is running.") from e
        score: dict[str, float] = {}
        for o in res.objects:
            d = o.properties.get("domain")
            if d:
                score[str(d)] = score.get(str(d), 0.0) + max(0.0, 1.0 - float(o.metadata.distance or 0.0))
        if score:
            names_ = sorted(score)
            dist = np.array([score[n] for n in names_]) / sum(score.values())
            domains = top_domains(dist, names_, settings.min_domain_weight, settings.max_domains)
    counts: dict[str, int] = {}
    for tok in TextAnalyzer().tokens(text):
        counts[tok] = counts.get(tok, 0) + 1
    norm = float(np.sqrt(sum(c * c for c in counts.values()))) or 1.0
    keywords = sorted(((t, round(c / norm, 6)) for t, c in counts.items()), key=lambda kv: -kv[1])[
        : settings.top_keywords
    ]
    has = bool(ok[0])
    status: ProfileStatus = (
        "empty" if not (domains or keywords or has) else ("complete" if domains and keywords and has else "partial")
    )
    return InterestProfile(
        user_id=uid,
        domains=domains,
        keywords=keywords,
        interest_vector=vec[0].tolist() if has else None,
        counts=ProfileCounts(stated_interests=True),
        status=status,
        notes=notes,
        stored=False,
    )
