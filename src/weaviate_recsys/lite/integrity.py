"""Which stored rows the lite server can load, and `lite check`'s report on a data directory.

Every write is validated before it is stored (`lite.values`), so a row that cannot be loaded comes
from a damaged file, a hand edit, or an older version that accepted it (dates outside 64-bit
nanoseconds, for one). The server loads such a store anyway: the rows it cannot load are moved,
whole, to the `quarantine` table of the same SQLite file with the reason, reported in a warning,
and everything else is served. `check_store` lists the same rows (and SQLite's own integrity
findings) without starting a server, and moves them with ``repair=True``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from weaviate_recsys.errors import ConfigurationError
from weaviate_recsys.lite.api_errors import ApiError
from weaviate_recsys.lite.collection import Collection
from weaviate_recsys.lite.schema import ClassSpec
from weaviate_recsys.lite.storage import QuarantinedRow, Store, decode_vectors_checked, lock_data_dir, store_path
from weaviate_recsys.lite.values import canonical_uuid, coerce_properties

__all__ = ["LoadableRow", "UnloadableRow", "StoreCheck", "check_class_row", "split_loadable", "check_store"]

_INT64 = (-(2**63), 2**63 - 1)


@dataclass
class LoadableRow:
    """A stored object that passed every check, decoded."""

    seq: int
    uuid: str
    props: dict[str, Any]
    created: int
    updated: int
    vectors: dict[str, np.ndarray]


@dataclass(frozen=True)
class UnloadableRow:
    """A stored row the server cannot load (``uuid`` is None for a class definition)."""

    collection: str
    uuid: str | None
    reason: str
    seq: int | None = None

    def describe(self) -> str:
        what = f"object {self.uuid} of collection {self.collection}" if self.uuid else f"collection {self.collection}"
        return f"{what}: {self.reason}"


def check_class_row(name: str, config: Any) -> tuple[ClassSpec | None, str | None]:
    """Parse a stored class definition: (spec, None), or (None, why it cannot be loaded)."""
    try:
        class_json = json.loads(config)
        if not isinstance(class_json, dict) or class_json.get("class") != name:
            return None, "the stored definition is not this collection's class JSON"
        spec = ClassSpec.from_json(class_json)
        Collection(spec)  # building the (empty) indexes proves the definition
    except Exception as e:  # noqa: BLE001 - any failure means the definition cannot be served
        return None, f"the stored definition cannot be read ({type(e).__name__}: {e})"
    return spec, None


def _row_problem(spec: ClassSpec, row: tuple[Any, ...], dims: dict[str, int]) -> tuple[LoadableRow | None, str]:
    seq, uid, props_text, created, updated, blob = row
    try:
        if canonical_uuid(uid) != uid:
            return None, "the uuid is not in canonical lower-case form"
    except (ValueError, AttributeError, TypeError):
        return None, f"the uuid {uid!r} is not a UUID"
    for label, value in (("creation", created), ("update", updated)):
        if type(value) is not int or not _INT64[0] <= value <= _INT64[1]:
            return None, f"the {label} time {value!r} is not a 64-bit integer"
    if not isinstance(props_text, str):
        return None, f"the properties column holds {type(props_text).__name__}, not JSON text"
    try:
        props = json.loads(props_text)
    except (ValueError, RecursionError) as e:
        return None, f"the properties are not valid JSON ({e})"
    if not isinstance(props, dict):
        return None, "the properties are not a JSON object"
    try:
        coerce_properties(spec, props, via_grpc=False)
    except ApiError as e:
        return None, e.message
    try:
        vectors = decode_vectors_checked(blob)
    except ValueError as e:
        return None, str(e)
    for name, vec in vectors.items():
        if name not in spec.vectors:
            return None, f"vector {name!r} has no index in collection {spec.name}"
        if not np.isfinite(vec).all():
            return None, f"vector {name!r} holds NaN or infinite values"
        expected = dims.get(name)
        if expected is not None and vec.size != expected:
            return None, f"vector {name!r} has {vec.size} dimensions, the collection's other vectors {expected}"
    return LoadableRow(seq, uid, props, created, updated, vectors), ""


def split_loadable(spec: ClassSpec, rows: list[tuple[Any, ...]]) -> tuple[list[LoadableRow], list[UnloadableRow]]:
    """Check every (seq, uuid, props, created, updated, vectors) row of a collection, in seq order.

    A vector index's dimension is the one most of the rows have (the first seen among equals): one
    damaged row must not make every other row of its collection look wrong.
    """
    good: list[LoadableRow] = []
    bad: list[UnloadableRow] = []
    counts: dict[str, Counter[int]] = {}
    for row in rows:
        try:
            for name, vec in decode_vectors_checked(row[5]).items():
                counts.setdefault(name, Counter())[int(vec.size)] += 1
        except ValueError:
            continue
    dims = {name: c.most_common(1)[0][0] for name, c in counts.items()}
    for row in rows:
        loaded, reason = _row_problem(spec, row, dims)
        if loaded is None:
            bad.append(UnloadableRow(spec.name, str(row[1]), reason, seq=row[0]))
        else:
            good.append(loaded)
    return good, bad


@dataclass
class StoreCheck:
    """What `check_store` found in a data directory."""

    path: str
    problems: list[str] = field(default_factory=list)  # SQLite integrity findings and format issues
    unloadable: list[UnloadableRow] = field(default_factory=list)
    quarantined: list[QuarantinedRow] = field(default_factory=list)  # set aside earlier (or by this repair)
    repaired: bool = False

    @property
    def clean(self) -> bool:
        """Nothing left to do: no integrity problem and no unloadable row still in place."""
        return not self.problems and (self.repaired or not self.unloadable)


def find_unloadable(store: Store) -> list[UnloadableRow]:
    """Every class definition and object row of the store that the server cannot load."""
    found: list[UnloadableRow] = []
    for name, config in store.class_rows():
        spec, reason = check_class_row(name, config)
        if spec is None:
            found.append(UnloadableRow(str(name), None, reason or ""))
            continue
        found.extend(split_loadable(spec, store.object_rows(spec.name))[1])
    for seq, coll, uid in store.orphan_rows():
        found.append(UnloadableRow(str(coll), str(uid), "its collection has no class definition", seq=seq))
    return found


def quarantine_rows(store: Store, rows: list[UnloadableRow]) -> None:
    """Move unloadable rows (class definitions with their objects) to the quarantine table."""
    store.quarantine(
        [(r.seq, r.reason) for r in rows if r.uuid is not None and r.seq is not None],
        [(r.collection, r.reason) for r in rows if r.uuid is None],
    )


def check_store(data_dir: str | os.PathLike[str], repair: bool = False) -> StoreCheck:
    """Check a lite data directory without starting a server (`weaviate-recsys lite check`).

    Args:
        data_dir: the directory holding ``lite.sqlite3``.
        repair: move unloadable rows to the quarantine table; needs the server stopped. Without it the
            store is only read (a running server's store can be checked).

    Raises:
        ConfigurationError: there is no store there, it is in another format (without ``repair``), or
            ``repair`` while a server uses it.
    """
    data_dir = os.fspath(data_dir)
    path = store_path(data_dir)
    if not os.path.isfile(path):
        raise ConfigurationError(
            f"there is no lite store in {data_dir} (no {os.path.basename(path)}): check --data-dir"
        )
    report = StoreCheck(path=path)
    lock = lock_data_dir(data_dir) if repair else None
    try:
        report.problems = _integrity_problems(path)
        if report.problems and any(p.startswith("the file is not") for p in report.problems):
            return report
        store = Store(path) if repair else Store.open_read_only(path)
        try:
            report.unloadable = find_unloadable(store)
            if repair and report.unloadable:
                quarantine_rows(store, report.unloadable)
                report.repaired = True
            report.quarantined = store.quarantined()
        finally:
            store.close()
    finally:
        if lock is not None:
            lock.close()
    return report


def _integrity_problems(path: str) -> list[str]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        return [f"the file is not a readable SQLite database ({e})"]
    return [str(r[0]) for r in rows if r[0] != "ok"]
