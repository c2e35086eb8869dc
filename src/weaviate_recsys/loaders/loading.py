"""Bulk loads: read, validate, skip unchanged rows, embed, write, and account for every row.

Every row read ends in exactly one of three counts: written, unchanged (its stored content hash matches, so it
was neither embedded nor written) or rejected (with file, line, field and reason, also written to a rejects
file). ``read == written + unchanged + rejected`` always holds. Object UUIDs come from the caller's ids, so an
interrupted load is finished by running it again: what was written is found unchanged and skipped.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TextIO

import weaviate
from pydantic import BaseModel, Field

from ..bulk import frozen_heap
from ..errors import ConfigurationError, LoadError, RowError
from ..progress import Progress as ProgressCallback
from ..schema import CONTENT_VECTOR, INTERACTION, ITEM, USER, CollectionContract, collection_name, register_schema
from ..schema.identity import interaction_uuid, item_uuid, user_uuid
from ..settings import Settings
from .embedder_record import EMBEDDER_PROPERTY, stored_embedder, switch_note
from .embedding import Embedder, get_embedder, item_text, settings_embedder_name
from .readers import (
    MAX_REJECT_COPY,
    STDIN,
    InputFormat,
    InputSource,
    RowResult,
    cap_text,
    catalog_label_counts,
    check_field_names,
    detect_format,
    open_source,
    unexpected_row_error,
    validate_row,
)
from .records import InteractionRecord, ItemRecord, RecordKind, UserRecord, record_context
from .writer import ObjectWriter, PreparedObject, content_hash

__all__ = [
    "ProgressCallback",
    "RowErrorInfo",
    "LoadResult",
    "LoadInterrupted",
    "reject_entry",
    "load_items",
    "load_users",
    "load_interactions",
    "load_records",
    "default_rejects_path",
]

#: ``progress(done, total)``: bytes read of all sources so far, and their total size.

#: At most this many errors are kept in a ``LoadResult``; the rejects file has them all.
MAX_ERRORS_KEPT = 10_000


class LoadInterrupted(KeyboardInterrupt):
    """The load was interrupted (Ctrl-C). ``result`` counts what was stored before it stopped.

    Everything counted as written is in Weaviate; running the same load again finishes it, skipping the stored
    rows by their content hashes.
    """

    def __init__(self, result: LoadResult) -> None:
        super().__init__("load interrupted")
        self.result = result


class RowErrorInfo(BaseModel):
    """Why one row was rejected, and where it is."""

    file: str
    line: int
    field: str | None = None
    reason: str


class LoadResult(BaseModel):
    """What a load did. ``read == written + unchanged + rejected``."""

    kind: str
    collection: str
    read: int = 0
    written: int = 0
    unchanged: int = 0
    rejected: int = 0
    seconds: float = 0.0
    rows_per_s: float = 0.0
    errors: list[RowErrorInfo] = Field(default_factory=list)
    errors_truncated: bool = False
    rejects_paths: list[str] = Field(default_factory=list, description="Rejects files written by this load.")
    notes: list[str] = Field(default_factory=list, description="What a user should know, e.g. a re-embedding.")

    @property
    def ok(self) -> bool:
        """True when every row was loaded (written or unchanged)."""
        return self.rejected == 0


def default_rejects_path(source: str | Path, cwd: Path | None = None) -> Path:
    """``<input>.rejects.jsonl`` beside the input; in the working directory for stdin or a read-only folder."""
    cwd = cwd or Path.cwd()
    if str(source) == STDIN:
        return cwd / "stdin.rejects.jsonl"
    path = Path(source)
    beside = path.with_name(path.name + ".rejects.jsonl")
    if os.access(beside.parent, os.W_OK):
        return beside
    return cwd / beside.name


def _rejects_paths(sources: Sequence[str | Path], explicit: str | Path | None) -> dict[str, Path]:
    """Input -> its rejects file. Two inputs whose default paths coincide (same name, both from read-only folders,
    so both fall back to the working directory) get ``<name>.2.rejects.jsonl`` and so on, never a shared file.

    Raises:
        ConfigurationError: a rejects file would be one of the inputs (writing it would destroy that input).
        LoadError: the folder of a rejects file is not writable.
    """
    if explicit is not None:
        paths = {str(s): Path(explicit) for s in sources}
    else:
        paths = {}
        taken: set[Path] = set()
        for source in sources:
            path = default_rejects_path(source)
            if str(source) in paths:
                continue
            n = 1
            while path.absolute() in taken:
                n += 1
                base = default_rejects_path(source)
                path = base.with_name(base.name.removesuffix(".rejects.jsonl") + f".{n}.rejects.jsonl")
            taken.add(path.absolute())
            paths[str(source)] = path
    for path in set(paths.values()):
        if path.is_dir():
            raise ConfigurationError(f"the rejects file {path} is a folder; pass --rejects with a file path")
        if not os.access(path.parent if str(path.parent) else Path("."), os.W_OK):
            raise LoadError(f"cannot write the rejects file {path}: its folder is not writable; pass --rejects PATH")
        for source in sources:
            if str(source) != STDIN and _same_file(path, Path(source)):
                option = "--rejects" if explicit is not None else "the default rejects file"
                raise ConfigurationError(
                    f"{option} {path} is the input {source}: writing rejects there would destroy it; "
                    "pass --rejects with another path"
                )
    return paths


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return False


def _capped(value: Any, budget: list[int], depth: int = 0) -> Any:
    """A JSON-safe copy of a rejected row with at most ``budget[0]`` characters of text (the budget is spent)."""
    if isinstance(value, str):
        if len(value) > budget[0]:
            cut = value[: max(budget[0], 0)]
            budget[0] = -1  # marks the copy as cut
            return f"{cut}... [cut: {len(value):,} characters]"
        budget[0] -= len(value)
        return value
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= 64 else _capped(f"<a whole number of {value.bit_length()} bits>", budget)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth >= 20:
        budget[0] = -1
        return "... [cut: nested deeper than 20 levels]"
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if budget[0] <= 0:
                budget[0] = -1
                out["..."] = f"[cut: {len(value) - len(out):,} more fields]"
                break
            name = cap_text(str(key), 200)  # a field name is kept whole enough to say which field it was
            budget[0] -= len(name)
            out[name] = _capped(item, budget, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        items: list[Any] = []
        for item in value:
            if budget[0] <= 0:
                budget[0] = -1
                items.append(f"... [cut: {len(value) - len(items):,} more elements]")
                break
            items.append(_capped(item, budget, depth + 1))
        return items
    return _capped(str(value), budget, depth)


def reject_entry(error: RowError, row: Mapping[str, Any] | None, raw: str | None, raw_chars: int | None = None) -> str:
    """One rejects-file line: where, which field, why, and the row (or its text) cut to ``MAX_REJECT_COPY``.

    A cut copy carries ``"truncated": true`` (and ``raw_chars``, the original text's length, for unparsed rows),
    so a huge row costs a few KB in the rejects file, not its size again.
    """
    budget = [MAX_REJECT_COPY]
    entry: dict[str, Any] = {
        "file": error.file,
        "line": error.line,
        "field": error.field,
        "reason": cap_text(error.reason, 1000),
        "row": None,
        "raw": None,
    }
    if row is not None:
        try:
            entry["row"] = _capped(dict(row), budget)
        except RecursionError:
            entry["row"], budget[0] = None, -1
    if raw is not None:
        entry["raw"] = _capped(raw, budget)
    truncated = budget[0] < 0 or (raw_chars is not None and raw is not None and raw_chars > len(raw))
    if truncated:
        entry["truncated"] = True
        if raw_chars is not None:
            entry["raw_chars"] = raw_chars
    return json.dumps(entry, ensure_ascii=False, allow_nan=False) + "\n"


class _Rejects:
    """Writes rejected rows as JSON Lines, one file per input (or one file for all with an explicit path).

    Each file is written new: to a private (0600) temporary file in the same folder, moved into place when the
    load ends (also when it fails or is interrupted). An existing file or symlink at the path is replaced,
    never written through.
    """

    def __init__(self, sources: Sequence[str | Path], explicit: str | Path | None) -> None:
        self.explicit = Path(explicit) if explicit is not None else None
        self.paths = _rejects_paths(sources, explicit)
        self.handles: dict[Path, tuple[TextIO, str]] = {}
        if self.explicit is not None:
            self._handle(self.explicit)  # an explicit rejects file always holds exactly this run's rejects

    def _handle(self, path: Path) -> TextIO:
        if path not in self.handles:
            try:
                fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            except OSError as e:
                raise LoadError(f"cannot write the rejects file {path}: {e.strerror or e}; pass --rejects PATH") from e
            # A lone surrogate in a rejected row is written as its \\uXXXX escape rather than failing the write.
            self.handles[path] = (open(fd, "w", encoding="utf-8", errors="backslashreplace"), temp)  # noqa: SIM115
        return self.handles[path][0]

    def write(
        self, error: RowError, row: Mapping[str, Any] | None, raw: str | None, raw_chars: int | None = None
    ) -> None:
        path = self.paths.get(error.file) or self.explicit or next(iter(self.paths.values()))
        self._handle(path).write(reject_entry(error, row, raw, raw_chars))

    def close(self, success: bool) -> list[str]:
        failed: list[str] = []
        for path, (handle, temp) in self.handles.items():
            handle.close()
            try:
                os.replace(temp, path)
            except OSError as e:
                failed.append(f"{path} ({e.strerror or e}; the rejects are in {temp})")
        if failed:
            raise LoadError(f"cannot write the rejects file {', '.join(failed)}")
        if success and self.explicit is None:
            for path in set(self.paths.values()) - set(self.handles):
                if path.exists() or path.is_symlink():
                    path.unlink()  # a stale file from an earlier run would misreport this one
        return sorted(str(p) for p in self.handles)


@dataclass
class _Prepared:
    """A prepared object, and how to name it in a duplicate-row message."""

    obj: PreparedObject
    duplicate_field: str
    duplicate_label: str


class _EmbedderSlot:
    """The embedder, loaded on first use (a load of unchanged rows never loads the model)."""

    def __init__(self, embedder: Embedder | None, settings: Settings, on_load: Callable[[Embedder], None]) -> None:
        self._embedder = embedder
        self._settings = settings
        self._on_load = on_load
        self.name = embedder.name if embedder is not None else settings_embedder_name(settings)

    def get(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self._settings)
            self._on_load(self._embedder)
        return self._embedder


def _clear(owned: Sequence[str], properties: Mapping[str, Any]) -> list[str]:
    return [name for name in owned if name not in properties]


_ITEM_OWNED = (
    "title",
    "description",
    "subdomain",
    "categories",
    "tags",
    "brand",
    "popularity",
    "created_at",
    EMBEDDER_PROPERTY,
)
_USER_OWNED = ("name", "stated_interests")
_INTERACTION_OWNED = ("item_id", "rating", "text", "timestamp", "seq", EMBEDDER_PROPERTY)


def _prepare_item(record: ItemRecord, model: str) -> _Prepared:
    props = record.properties()
    clear = _clear(_ITEM_OWNED, props)
    if record.domain is not None:
        # A stated domain replaces a predicted one; without one, a prediction (if any) is kept.
        props["domain_predicted"] = False
        clear.append("domain_probability")
    text = item_text(record)
    props["content_hash"] = content_hash(props, model if text else None)
    if text:
        props[EMBEDDER_PROPERTY] = model  # after the hash: stores loaded before it was recorded stay unchanged
    obj = PreparedObject(item_uuid(record.item_id), props, clear, {CONTENT_VECTOR: text} if text else {})
    return _Prepared(obj, "item_id", f"item_id {record.item_id!r}")


def _prepare_user(record: UserRecord, model: str) -> _Prepared:
    # stated_interests is stored as text only: the interest model embeds it (cold start) when it builds the
    # profile, so the `interest` vector has one writer and one meaning.
    props = record.properties()
    clear = _clear(_USER_OWNED, props)
    props["content_hash"] = content_hash(props, None)
    return _Prepared(PreparedObject(user_uuid(record.user_id), props, clear), "user_id", f"user_id {record.user_id!r}")


def _prepare_interaction(record: InteractionRecord, model: str) -> _Prepared:
    props = record.properties()
    clear = _clear(_INTERACTION_OWNED, props)
    props["content_hash"] = content_hash(props, model if record.text else None)
    if record.text:
        props[EMBEDDER_PROPERTY] = model
    uuid = interaction_uuid(record.user_id, record.item_id, record.kind, record.timestamp, record.seq, record.text)
    when = "timestamp" if record.timestamp is not None else "seq"
    obj = PreparedObject(uuid, props, clear, {"text": record.text} if record.text else {})
    return _Prepared(obj, when, f"interaction (same user_id, item_id, kind, {when} and text)")


_KINDS: dict[str, tuple[CollectionContract, Callable[[Any, str], _Prepared], str | None]] = {
    "items": (ITEM, _prepare_item, CONTENT_VECTOR),
    "users": (USER, _prepare_user, None),
    "interactions": (INTERACTION, _prepare_interaction, "text"),
}


@frozen_heap()  # the loaded model's objects stay out of the collector's scans during the load
def load_records(
    client: weaviate.WeaviateClient,
    kind: RecordKind,
    sources: Sequence[str | Path],
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    progress: ProgressCallback | None = None,
    *,
    input_format: InputFormat | None = None,
    mapping: Mapping[str, str] | None = None,
    set_values: Mapping[str, Any] | None = None,
    rejects: str | Path | None = None,
    batch_size: int | None = None,
    stdin: IO[bytes] | None = None,
) -> LoadResult:
    """Load rows of one kind from one or more sources into its collection (created if missing).

    Args:
        client: a connected weaviate-client.
        kind: ``items``, ``users`` or ``interactions``.
        sources: paths, or ``-`` for standard input.
        settings: prefix, batch sizes, maximum text length, extra kinds, domain level, model.
        embedder: embeds new and changed rows; default ``get_embedder(settings)``, loaded only if needed.
        progress: called after each batch with (bytes read, total bytes); not called for stdin.
        input_format: jsonl, csv or tsv for every source; default from each extension.
        mapping: field -> column (``--map``). set_values: field -> constant for every row (``--set``).
        rejects: one rejects file for all sources; default ``<input>.rejects.jsonl`` beside each input.
        batch_size: rows per write batch (and per content-hash lookup); default ``settings.write_batch_size``.

    Returns:
        The counts, the per-row errors and the rejects files written.

    Raises:
        ConfigurationError: bad --map/--set, unknown format, a CSV without a required column (nothing written).
        LoadError: a source cannot be read. SchemaConflict: the collection conflicts with the contract.
        ConnectionFailed: Weaviate failed mid-load; run the load again to finish it.
        WeaviateRejected: Weaviate refused a whole request (its message says what); rows it refuses one by one
            are row errors instead.
    """
    started = time.perf_counter()
    settings = settings or Settings()
    if kind not in _KINDS:
        raise LoadError(f"unknown record kind {kind!r}: use items, users or interactions")
    mapping = dict(mapping or {})
    set_values = dict(set_values or {})
    sources = list(sources)
    if not sources:
        raise LoadError("no input files given: pass one or more paths, or - for standard input")
    if sum(1 for s in sources if str(s) == STDIN) > 1:
        raise LoadError("standard input (-) can be read only once per load")

    # Every check that could refuse the whole load runs, for every input, before anything is written.
    check_field_names(kind, mapping, set_values)
    _rejects_paths(sources, rejects)
    inputs: list[InputSource] = []
    try:
        for source in sources:
            if str(source) != STDIN and not Path(source).is_file():
                raise LoadError(f"cannot read {source}: no such file")
            inputs.append(open_source(source, kind, detect_format(source, input_format), mapping, set_values, stdin))
        return _load(
            client, kind, inputs, settings, embedder, progress, mapping, set_values, rejects, batch_size, stdin, started
        )
    finally:
        for opened in inputs:
            opened.close()


def _load(
    client: weaviate.WeaviateClient,
    kind: RecordKind,
    inputs: list[InputSource],
    settings: Settings,
    embedder: Embedder | None,
    progress: ProgressCallback | None,
    mapping: dict[str, str],
    set_values: dict[str, Any],
    rejects: str | Path | None,
    batch_size: int | None,
    stdin: IO[bytes] | None,
    started: float,
) -> LoadResult:
    """``load_records`` once every input passed its checks."""
    contract, prepare, vector_name = _KINDS[kind]
    sources = [opened.name for opened in inputs]
    total_bytes = None if STDIN in sources else sum(Path(s).stat().st_size for s in sources)
    name = collection_name(contract.stem, settings.prefix)

    def check_dimension(loaded: Embedder) -> None:
        if vector_name:
            register_schema(client, settings.prefix, [contract], vector_dims={contract.stem: {vector_name: loaded.dim}})

    register_schema(
        client,
        settings.prefix,
        [contract],
        vector_dims={contract.stem: {vector_name: embedder.dim}} if embedder is not None and vector_name else None,
    )
    slot = _EmbedderSlot(embedder, settings, check_dimension)
    batch_size = batch_size or settings.write_batch_size
    collection = client.collections.get(name)
    # An empty collection cannot hold any row of this load (duplicates within it are caught by `seen`), so the
    # first load of a collection skips the content-hash lookups.
    empty_at_start = (collection.aggregate.over_all(total_count=True).total_count or 0) == 0
    writer = ObjectWriter(collection, batch_size=batch_size)
    result = LoadResult(kind=kind, collection=name)
    counts = None
    if kind == "items" and settings.domain_rule != "first":
        counts = catalog_label_counts([(o.name, o.format) for o in inputs], mapping, set_values)
        if STDIN in sources:
            result.notes.append(
                f"The {settings.domain_rule!r} domain rule picks an item's domain among several labels ('A|B') by "
                "how many catalog items carry each, counted before writing; standard input can be read only once, "
                "so its labels are not counted (a label met only there counts 0). Load the catalog from files "
                "for the rule to see it whole."
            )
    context = record_context(settings, counts)
    if vector_name and not empty_at_start:
        note = switch_note(name, stored_embedder(collection), slot.name)
        if note:
            result.notes.append(note)
    reject_log = _Rejects(sources, rejects)
    seen: dict[str, tuple[str, int]] = {}

    def reject(error: RowError, row: dict[str, Any] | None, raw: str | None, raw_chars: int | None = None) -> None:
        result.rejected += 1
        if len(result.errors) < MAX_ERRORS_KEPT:
            result.errors.append(
                RowErrorInfo(file=error.file, line=error.line, field=error.field, reason=cap_text(error.reason, 1000))
            )
        else:
            result.errors_truncated = True
        reject_log.write(error, row, raw, raw_chars)

    def flush(pending: list[RowResult]) -> None:
        prepared: list[tuple[PreparedObject, RowResult]] = []
        for row in pending:
            try:
                item = prepare(row.record, slot.name)
            except Exception as e:  # noqa: BLE001 - one row's surprise costs that row, never the load
                reject(unexpected_row_error(row.file, row.line, e), row.data, None)
                continue
            first = seen.get(item.obj.uuid)
            if first is not None:
                reject(
                    RowError(
                        row.file,
                        row.line,
                        item.duplicate_field,
                        f"duplicate {item.duplicate_label} in this load, first at {first[0]}:{first[1]}; "
                        "the first one is kept",
                    ),
                    row.data,
                    None,
                )
                continue
            seen[item.obj.uuid] = (row.file, row.line)
            prepared.append((item.obj, row))
        existing = {} if empty_at_start else writer.existing_hashes([o.uuid for o, _ in prepared])
        new: list[PreparedObject] = []
        changed: list[tuple[PreparedObject, RowResult]] = []
        for obj, row in prepared:
            if obj.uuid not in existing:
                new.append(obj)
            elif existing[obj.uuid] == obj.properties["content_hash"]:
                result.unchanged += 1
            else:
                changed.append((obj, row))
        to_embed = [(obj, vec, text) for obj in new + [o for o, _ in changed] for vec, text in obj.texts.items()]
        if to_embed:
            vectors = slot.get().embed_batch([text for _, _, text in to_embed])
            for (obj, vec, _), vector in zip(to_embed, vectors, strict=True):
                obj.vectors[vec] = vector
        for obj in new:
            writer.add(obj)
        for obj, row in changed:
            failure = writer.update(obj)
            if failure is None:
                result.written += 1
            else:
                reject(RowError(row.file, row.line, None, failure.reason), row.data, None)

    success = False
    try:
        with writer:
            done_bytes = 0
            for opened in inputs:
                source = opened.name
                pending: list[RowResult] = []
                for raw_row in opened.rows(mapping, set_values, stdin):
                    result.read += 1
                    row = validate_row(raw_row, kind, context)
                    if row.error is not None:
                        reject(row.error, row.data, row.raw, row.raw_chars)
                        continue
                    pending.append(row)
                    if len(pending) >= batch_size:
                        flush(pending)
                        pending = []
                        if progress is not None and total_bytes is not None:
                            progress(done_bytes + row.offset, total_bytes)
                if pending:
                    flush(pending)
                if source != STDIN:
                    done_bytes += Path(source).stat().st_size
                if progress is not None and total_bytes is not None:
                    progress(done_bytes, total_bytes)
        # The batch is flushed and retried now: only what Weaviate accepted counts as written.
        result.written += writer.added - len(writer.failures)
        for failure in writer.failures:
            file, line = seen.get(failure.uuid, ("?", 0))
            reject(RowError(file, line, None, failure.reason), failure.properties, None)
        success = True
    except KeyboardInterrupt as e:
        # The writer waited for the batches in flight: what they stored is known and is kept.
        result.written += writer.confirmed
        result.seconds = time.perf_counter() - started
        raise LoadInterrupted(result) from e
    finally:
        result.rejects_paths = reject_log.close(success)
    result.seconds = time.perf_counter() - started
    result.rows_per_s = result.read / result.seconds if result.seconds > 0 else 0.0
    return result


def load_items(
    client: weaviate.WeaviateClient,
    sources: Sequence[str | Path],
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    progress: ProgressCallback | None = None,
    **options: Any,
) -> LoadResult:
    """Load catalog items (``content`` vector from title, categories, brand, tags, description). See ``load_records``."""
    return load_records(client, "items", sources, settings, embedder, progress, **options)


def load_users(
    client: weaviate.WeaviateClient,
    sources: Sequence[str | Path],
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    progress: ProgressCallback | None = None,
    **options: Any,
) -> LoadResult:
    """Load users. ``stated_interests`` is stored as text; the interest model embeds it. See ``load_records``."""
    return load_records(client, "users", sources, settings, embedder, progress, **options)


def load_interactions(
    client: weaviate.WeaviateClient,
    sources: Sequence[str | Path],
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    progress: ProgressCallback | None = None,
    **options: Any,
) -> LoadResult:
    """Load interactions and user content (``text`` vector for rows with text). See ``load_records``."""
    return load_records(client, "interactions", sources, settings, embedder, progress, **options)
