"""Durable storage for the lite server: one SQLite database in WAL mode.

Searches never read SQLite: the server loads everything into memory on start and writes each
change through here first. A batch is one transaction, so after a crash (even SIGKILL in the
middle of a batch) the store holds every committed batch whole and nothing of the interrupted one.
Format 2 keeps an object's vectors inside its row (one float32 blob per object, see
`encode_vectors`), so a batch writes one row per object under one index and start-up reads
everything with one query. Stores written in format 1 (one row per vector in a `vectors` table)
are migrated in place, in one transaction, when first opened.

Rows the server cannot load (see `lite.integrity`) are moved to the `quarantine` table of the same
file, whole, with the reason; nothing there is served, and `weaviate-recsys lite check` lists them.
The data directory is private to its owner: created 0700, store files 0600 whatever the umask.
What survives a crash is described in docs/lite-server.md, "What the lite server promises".
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import struct
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from weaviate_recsys.errors import ConfigurationError

__all__ = [
    "Store",
    "StoredObject",
    "ObjectWrite",
    "encode_vectors",
    "decode_vectors",
    "decode_vectors_checked",
    "iter_vector_matrices",
    "FORMAT_VERSION",
    "store_path",
    "prepare_data_dir",
    "lock_data_dir",
    "QuarantinedRow",
]

log = logging.getLogger(__name__)

FORMAT_VERSION = "2"
_FORMAT_VERSION = FORMAT_VERSION
_VECTOR_HEADER = struct.Struct("<HI")  # name length in bytes, number of float32 components

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS classes (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    config TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY,
    collection TEXT NOT NULL,
    uuid TEXT NOT NULL,
    props TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    vectors BLOB,
    UNIQUE (collection, uuid)
);
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    collection TEXT,
    uuid TEXT,
    reason TEXT NOT NULL,
    quarantined_at INTEGER NOT NULL,
    seq INTEGER,
    props,
    created,
    updated,
    vectors
);
"""

_DIR_MODE = 0o700
_FILE_MODE = 0o600


def encode_vectors(vectors: dict[str, np.ndarray]) -> bytes | None:
    """An object's named vectors as one blob: per vector `<HI` header, UTF-8 name, float32 LE data."""
    if not vectors:
        return None
    parts: list[bytes] = []
    for name, vec in vectors.items():
        raw_name = name.encode()
        data = np.asarray(vec, dtype="<f4").reshape(-1)
        parts += (_VECTOR_HEADER.pack(len(raw_name), data.size), raw_name, data.tobytes())
    return b"".join(parts)


def decode_vectors(blob: bytes | None) -> dict[str, np.ndarray]:
    """Inverse of `encode_vectors` (arrays are read-only views of the blob)."""
    out: dict[str, np.ndarray] = {}
    pos = 0
    while blob and pos < len(blob):
        name_len, dim = _VECTOR_HEADER.unpack_from(blob, pos)
        pos += _VECTOR_HEADER.size
        name = blob[pos : pos + name_len].decode()
        pos += name_len
        out[name] = np.frombuffer(blob, dtype="<f4", count=dim, offset=pos)
        pos += 4 * dim
    return out


def decode_vectors_checked(blob: Any) -> dict[str, np.ndarray]:
    """`decode_vectors` for a row that may be damaged: ValueError says what is wrong with the blob."""
    if blob is None:
        return {}
    if not isinstance(blob, bytes):
        raise ValueError(f"the vectors column holds {type(blob).__name__}, not a blob")
    out: dict[str, np.ndarray] = {}
    pos = 0
    while pos < len(blob):
        if pos + _VECTOR_HEADER.size > len(blob):
            raise ValueError("the vectors blob ends inside a vector header")
        name_len, dim = _VECTOR_HEADER.unpack_from(blob, pos)
        pos += _VECTOR_HEADER.size
        if pos + name_len + 4 * dim > len(blob):
            raise ValueError("the vectors blob ends inside a vector")
        try:
            name = blob[pos : pos + name_len].decode()
        except UnicodeDecodeError:
            raise ValueError("a vector name in the vectors blob is not UTF-8") from None
        pos += name_len
        if name in out:
            raise ValueError(f"the vectors blob holds vector {name!r} twice")
        out[name] = np.frombuffer(blob, dtype="<f4", count=dim, offset=pos)
        pos += 4 * dim
    return out


@dataclass
class QuarantinedRow:
    """A row set aside because the server could not load it (``uuid`` is None for a class definition)."""

    kind: str
    collection: str | None
    uuid: str | None
    reason: str
    quarantined_at: int


# one reusable encoder (json.dumps with options builds a new one per call)
_encode_props = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass
class StoredObject:
    """One object as loaded from disk."""

    seq: int
    uuid: str
    props: dict[str, Any]
    created: int
    updated: int


@dataclass
class ObjectWrite:
    """An upsert: ``old_seq`` is the row it replaces (None for a new object)."""

    seq: int
    old_seq: int | None
    uuid: str
    props: dict[str, Any]
    created: int
    updated: int
    vectors: dict[str, np.ndarray]


class Store:
    """The SQLite file ``<data_dir>/lite.sqlite3``; every method is one transaction.

    Args:
        path: the database file.
        synchronous: SQLite's ``synchronous`` pragma. In WAL mode NORMAL keeps every committed
            transaction through a process crash (SIGKILL included) and the file is never corrupted;
            only a power loss can drop the last commits. FULL also survives power loss, at one
            fsync per commit.
    """

    def __init__(self, path: str, synchronous: str = "NORMAL") -> None:
        self.path = path
        _private_files(path)
        try:
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as e:
            raise ConfigurationError(_unwritable(path, e)) from e
        self._lock = threading.Lock()
        try:
            # 1.5 KB vector rows: 16 KiB pages avoid overflow pages (measured: 2x faster inserts)
            self._conn.execute("PRAGMA page_size=16384")
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(f"PRAGMA synchronous={synchronous}")
            self._conn.execute("PRAGMA temp_store=MEMORY")
            self._conn.executescript(_SCHEMA)
            # a read-only file opens fine and fails on the first write: find out now, not on a request
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute("ROLLBACK")
        except sqlite3.Error as e:
            self._conn.close()
            raise ConfigurationError(_unwritable(path, e)) from e
        _private_files(path)  # the -wal and -shm files SQLite just created
        self._read_only = False
        row = self._conn.execute("SELECT value FROM meta WHERE key='format'").fetchone()
        if row is None:
            self._conn.execute("INSERT INTO meta VALUES ('format', ?)", (_FORMAT_VERSION,))
        elif row[0] == "1":
            self._migrate_from_1()
        elif row[0] != _FORMAT_VERSION:
            self._conn.close()
            raise ConfigurationError(
                f"the lite store {path} has format {row[0]!r}, but this version of weaviate-recsys reads "
                f"formats 1 and {_FORMAT_VERSION}: upgrade weaviate-recsys, or start the lite server with "
                "another --data-dir"
            )
        top = self._conn.execute("SELECT COALESCE(MAX(seq), 0) FROM objects").fetchone()[0]
        self._next_seq = int(top) + 1

    @classmethod
    def open_read_only(cls, path: str) -> Store:
        """A store opened for reading only (``lite check`` without --repair): no schema, migration or checkpoint.

        Raises:
            ConfigurationError: the file cannot be read as a lite store of this format.
        """
        store = cls.__new__(cls)
        store.path = path
        store._lock = threading.Lock()
        store._read_only = True
        store._next_seq = 0
        try:
            store._conn = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
            )
            row = store._conn.execute("SELECT value FROM meta WHERE key='format'").fetchone()
        except sqlite3.Error as e:
            raise ConfigurationError(f"the lite store {path} cannot be read ({e})") from e
        if row is None or row[0] != _FORMAT_VERSION:
            store._conn.close()
            raise ConfigurationError(
                f"the lite store {path} has format {row[0] if row else None!r}, not {_FORMAT_VERSION}: the server "
                "upgrades format 1 when it next starts (or run `lite check --repair`); a newer format needs a newer "
                "weaviate-recsys"
            )
        return store

    def _migrate_from_1(self) -> None:
        """Format 1 -> 2: move each object's rows of the `vectors` table into its own row."""
        with self._tx():
            columns = [r[1] for r in self._conn.execute("PRAGMA table_info(objects)")]
            if "vectors" not in columns:
                self._conn.execute("ALTER TABLE objects ADD COLUMN vectors BLOB")
            has_table = self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='vectors'"
            ).fetchone()
            if has_table:
                # by name, not rowid: some format-1 builds declared this table WITHOUT ROWID
                cur = self._conn.execute("SELECT seq, name, data FROM vectors ORDER BY seq, name")
                pending: list[tuple[bytes | None, int]] = []
                seq_now: int = -1
                vecs: dict[str, np.ndarray] = {}
                for seq, name, data in cur.fetchall():
                    if seq != seq_now and vecs:
                        pending.append((encode_vectors(vecs), seq_now))
                        vecs = {}
                    seq_now = seq
                    vecs[name] = np.frombuffer(data, dtype="<f4")
                if vecs:
                    pending.append((encode_vectors(vecs), seq_now))
                self._conn.executemany("UPDATE objects SET vectors=? WHERE seq=?", pending)
                self._conn.execute("DROP TABLE vectors")
            self._conn.execute("UPDATE meta SET value=? WHERE key='format'", (_FORMAT_VERSION,))

    def next_seqs(self, n: int) -> list[int]:
        """Reserve ``n`` increasing sequence numbers (insertion order = Weaviate docID order)."""
        with self._lock:
            start = self._next_seq
            self._next_seq += n
        return list(range(start, start + n))

    def close(self) -> None:
        """Fold the WAL into the store file and close: a stopped server's data is all in ``lite.sqlite3``."""
        with self._lock:
            if self._read_only:
                self._conn.close()
                return
            try:
                busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            except sqlite3.Error as e:
                busy, reason = 1, str(e)
            else:
                reason = "another connection is reading the store"
            if busy:
                log.warning(
                    "lite store %s: the write-ahead log could not be folded into the store file (%s); "
                    "keep %s-wal with it until the server next starts",
                    self.path,
                    reason,
                    self.path,
                )
            self._conn.close()

    # --- classes -------------------------------------------------------------------------

    def load_classes(self) -> list[dict[str, Any]]:
        rows = self._conn.execute("SELECT config FROM classes ORDER BY position").fetchall()
        return [json.loads(r[0]) for r in rows]

    def class_rows(self) -> list[tuple[str, Any]]:
        """(name, stored config text) of every class, as stored (the text may be damaged)."""
        return [(r[0], r[1]) for r in self._conn.execute("SELECT name, config FROM classes ORDER BY position")]

    def put_class(self, class_json: dict[str, Any]) -> None:
        with self._lock, self._tx():
            row = self._conn.execute("SELECT position FROM classes WHERE name=?", (class_json["class"],)).fetchone()
            if row is None:
                pos = self._conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM classes").fetchone()[0]
            else:
                pos = row[0]
            self._conn.execute(
                "INSERT OR REPLACE INTO classes (name, position, config) VALUES (?, ?, ?)",
                (class_json["class"], pos, json.dumps(class_json)),
            )

    def delete_class(self, name: str) -> None:
        with self._lock, self._tx():
            self._conn.execute("DELETE FROM classes WHERE name=?", (name,))
            self._conn.execute("DELETE FROM objects WHERE collection=?", (name,))

    # --- objects -------------------------------------------------------------------------

    def load_objects(self, collection: str) -> list[StoredObject]:
        rows = self._conn.execute(
            "SELECT seq, uuid, props, created, updated FROM objects WHERE collection=? ORDER BY seq",
            (collection,),
        ).fetchall()
        if not rows:
            return []
        # one json.loads over the whole list is several times faster than one per row
        props = json.loads("[" + ",".join(r[2] for r in rows) + "]")
        return [StoredObject(seq=r[0], uuid=r[1], props=p, created=r[3], updated=r[4]) for r, p in zip(rows, props)]

    def load_object_columns(
        self, collection: str
    ) -> tuple[list[int], list[str], list[dict[str, Any]], list[int], list[int], list[bytes | None]]:
        """Start-up: (seqs, uuids, props, created, updated, vector blobs) in seq order, as columns."""
        rows = self._conn.execute(
            "SELECT seq, uuid, props, created, updated, vectors FROM objects WHERE collection=? ORDER BY seq",
            (collection,),
        ).fetchall()
        if not rows:
            return [], [], [], [], [], []
        seqs, uuids, texts, created, updated, blobs = (list(c) for c in zip(*rows))
        del rows
        props = json.loads("[" + ",".join(texts) + "]")
        return seqs, uuids, props, created, updated, blobs

    def object_rows(self, collection: str) -> list[tuple[Any, ...]]:
        """(seq, uuid, props, created, updated, vectors) rows as stored, in seq order (for checks)."""
        return self._conn.execute(
            "SELECT seq, uuid, props, created, updated, vectors FROM objects WHERE collection=? ORDER BY seq",
            (collection,),
        ).fetchall()

    def orphan_rows(self) -> list[tuple[int, str, str]]:
        """(seq, collection, uuid) of objects whose collection has no class definition."""
        return self._conn.execute(
            "SELECT seq, collection, uuid FROM objects WHERE collection NOT IN (SELECT name FROM classes) ORDER BY seq"
        ).fetchall()

    def quarantine(self, objects: Sequence[tuple[int, str]], classes: Sequence[tuple[str, str]] = ()) -> None:
        """Move rows the server cannot load to the `quarantine` table, whole, in one transaction.

        Args:
            objects: (seq, reason) of object rows.
            classes: (name, reason) of class definitions; their objects move with them.
        """
        at = int(time.time() * 1000)
        with self._lock, self._tx():
            for name, reason in classes:
                self._conn.execute(
                    "INSERT INTO quarantine (kind, collection, reason, quarantined_at, props) "
                    "SELECT 'class', name, ?, ?, config FROM classes WHERE name=?",
                    (reason, at, name),
                )
                self._conn.execute(
                    "INSERT INTO quarantine (kind, collection, uuid, reason, quarantined_at, seq, props, created, "
                    "updated, vectors) SELECT 'object', collection, uuid, ?, ?, seq, props, created, updated, vectors "
                    "FROM objects WHERE collection=?",
                    (f"its collection's definition cannot be loaded: {reason}", at, name),
                )
                self._conn.execute("DELETE FROM objects WHERE collection=?", (name,))
                self._conn.execute("DELETE FROM classes WHERE name=?", (name,))
            for seq, reason in objects:
                self._conn.execute(
                    "INSERT INTO quarantine (kind, collection, uuid, reason, quarantined_at, seq, props, created, "
                    "updated, vectors) SELECT 'object', collection, uuid, ?, ?, seq, props, created, updated, vectors "
                    "FROM objects WHERE seq=?",
                    (reason, at, seq),
                )
                self._conn.execute("DELETE FROM objects WHERE seq=?", (seq,))

    def quarantined(self) -> list[QuarantinedRow]:
        """Every row set aside so far, oldest first."""
        if not self._conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='quarantine'").fetchone():
            return []  # a store no server of this version has opened yet
        rows = self._conn.execute(
            "SELECT kind, collection, uuid, reason, quarantined_at FROM quarantine ORDER BY id"
        ).fetchall()
        return [QuarantinedRow(*r) for r in rows]

    def write_batch(self, writes: Iterable[tuple[str, ObjectWrite]]) -> None:
        """Upsert objects of one or more collections in one transaction (all or nothing)."""
        obj_rows = []
        old_seqs = []
        for collection, w in writes:
            if w.old_seq is not None:
                old_seqs.append((w.old_seq,))
            obj_rows.append(
                (w.seq, collection, w.uuid, _encode_props(w.props), w.created, w.updated, encode_vectors(w.vectors))
            )
        with self._lock, self._tx():
            if old_seqs:
                self._conn.executemany("DELETE FROM objects WHERE seq=?", old_seqs)
            self._conn.executemany(
                "INSERT OR REPLACE INTO objects (seq, collection, uuid, props, created, updated, vectors) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                obj_rows,
            )

    def delete_objects(self, collection: str, seqs: list[int]) -> None:
        """Delete objects (and their vectors) in one transaction."""
        if not seqs:
            return
        with self._lock, self._tx():
            self._conn.executemany("DELETE FROM objects WHERE seq=?", [(s,) for s in seqs])

    # --- helpers -------------------------------------------------------------------------

    class _Tx:
        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

        def __enter__(self) -> None:
            self.conn.execute("BEGIN IMMEDIATE")

        def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
            if exc_type is None:
                self.conn.execute("COMMIT")
            else:
                self.conn.execute("ROLLBACK")

    def _tx(self) -> Store._Tx:
        return Store._Tx(self._conn)


def store_path(data_dir: str) -> str:
    """Where the database lives inside a data directory."""
    return os.path.join(data_dir, "lite.sqlite3")


def _unwritable(path: str, e: Exception) -> str:
    return (
        f"the lite store {path} cannot be opened for writing ({e}): make the file and its directory writable "
        "by this user, or start the lite server with another --data-dir"
    )


def _private_files(path: str) -> None:
    """Create the store file owner-only (0600) if absent; take group and other rights off it and its -wal/-shm files.

    SQLite gives the -wal and -shm files the mode of the database file, so this decides all three.
    """
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, _FILE_MODE)
        os.close(fd)
    except OSError as e:
        raise ConfigurationError(_unwritable(path, e)) from e
    for p in (path, path + "-wal", path + "-shm", os.path.join(os.path.dirname(path), "lite.lock")):
        try:
            mode = os.stat(p).st_mode & 0o777
            if mode & 0o077:
                os.chmod(p, mode & 0o600)  # only ever takes rights away
        except OSError:
            pass  # absent, or owned by someone else: SQLite reports what matters when it opens it


def prepare_data_dir(data_dir: str) -> None:
    """Create the data directory owner-only (0700, whatever the umask); an existing one is left as it is.

    Raises:
        ConfigurationError: it cannot be created, is not a directory, or is not writable.
    """
    if not os.path.exists(data_dir):
        try:
            os.makedirs(data_dir, mode=_DIR_MODE)
            os.chmod(data_dir, _DIR_MODE)
        except FileExistsError:
            pass
        except OSError as e:
            raise ConfigurationError(
                f"the lite data directory {data_dir} cannot be created ({e.strerror}): choose a --data-dir "
                "in a writable place"
            ) from e
    if not os.path.isdir(data_dir):
        raise ConfigurationError(f"the lite data directory {data_dir} is not a directory: choose another --data-dir")
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise ConfigurationError(
            f"the lite data directory {data_dir} is not writable by this user: the store needs to write its "
            "files there; make it writable (chmod u+w) or choose another --data-dir"
        )


def lock_data_dir(data_dir: str) -> Any:
    """One server per data directory: two would each hold a diverging copy in memory.

    Returns:
        The open lock file; closing it releases the lock.

    Raises:
        ConfigurationError: another process holds the lock, or the lock file cannot be created.
    """
    path = os.path.join(data_dir, "lite.lock")
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_APPEND, _FILE_MODE)
    except OSError as e:
        raise ConfigurationError(
            f"the lite data directory {data_dir} is not writable ({path}: {e.strerror}): make it writable "
            "or choose another --data-dir"
        ) from e
    f = os.fdopen(fd, "a+")
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise ConfigurationError(
            f"the data directory {data_dir} is in use by another lite server; stop that server "
            "or choose another data directory"
        ) from None
    return f


def iter_vector_matrices(blobs: list[bytes | None], chunk: int = 32768) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """Vectors of many objects as (name, row positions in `blobs`, float32 matrix) chunks.

    The common layout (every object with the same single named vector) is sliced out of the joined
    blobs without per-row Python work; anything else is decoded row by row.
    """
    for lo in range(0, len(blobs), chunk):
        part = [b or b"" for b in blobs[lo : lo + chunk]]
        present = [i for i, b in enumerate(part) if b]
        if not present:
            continue
        found = [b for b in part if b]  # the blobs at `present`, in the same order
        first = found[0]
        name_len, dim = _VECTOR_HEADER.unpack_from(first, 0)
        head = _VECTOR_HEADER.size + name_len
        size = head + 4 * dim
        if len(first) == size and all(len(b) == size and b[:head] == first[:head] for b in found):
            joined = np.frombuffer(b"".join(found), dtype=np.uint8).reshape(-1, size)
            # a strided view (no copy): the index copies the rows into its own matrix anyway
            matrix = joined[:, head:].view("<f4")
            yield first[_VECTOR_HEADER.size : head].decode(), np.asarray(present) + lo, matrix
            continue
        groups: dict[tuple[str, int], tuple[list[int], list[np.ndarray]]] = {}
        for i, blob in zip(present, found):
            for name, vec in decode_vectors(blob).items():
                rows, vecs = groups.setdefault((name, vec.size), ([], []))
                rows.append(lo + i)
                vecs.append(vec)
        for (name, _), (rows, vecs) in groups.items():
            yield name, np.asarray(rows, dtype=np.int64), np.stack(vecs)
