"""Incremental inverted index with Weaviate's BlockMax BM25 scoring.

Implements docs/lite-server.md §3.4–§3.7: per-property statistics kept on every write (postings with
term frequencies, document lengths, live-document count), per-property BM25 summed across properties,
group IDF with an integer-averaged document frequency, no `(k1+1)` factor, float64 per-property sums
rounded to float32, and ties ordered by UUID. A query touches only the postings of its own terms.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from weaviate_recsys.lite.fusion import go_float_str
from weaviate_recsys.lite.ranking import by_value_then_key
from weaviate_recsys.lite.text import Stopwords, tokenize, tokenize_many

__all__ = [
    "BM25Hit",
    "InvertedIndex",
    "NO_PROPERTIES_MESSAGE",
    "parse_query_properties",
    "unsearchable_property_message",
]

NO_PROPERTIES_MESSAGE = "No properties provided, and no indexed properties found in class"


def unsearchable_property_message(name: str) -> str:
    """Weaviate's error for a BM25 property without a searchable index (§3.5, entities/inverted/errors.go)."""
    return (
        f"Searching by property '{name}' requires inverted index. Is `indexSearchable` option of property "
        f"'{name}' enabled? Set it to `true` or leave empty"
    )


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def parse_query_properties(names: Iterable[str]) -> list[tuple[str, float]]:
    """Parse client `query_properties` ("title^2") into (property, boost) pairs (§3.5 step 2).

    The part after the first `^` is a float32 boost (unparseable -> 0); names are
    first-letter-lowercased; a property listed twice keeps its first position and its last boost.
    """
    boosts: dict[str, float] = {}
    for raw in names:
        name, sep, boost_text = raw.partition("^")
        boost = 1.0
        if sep:
            try:
                boost = float(np.float32(float(boost_text)))
            except ValueError:
                boost = 0.0
            if not math.isfinite(boost):
                boost = 0.0
        boosts[_lower_first(name)] = boost
    return list(boosts.items())


def _uuid_of_missing(doc: int) -> str:
    raise RuntimeError("InvertedIndex needs uuid_of to order tied scores (§3.6)")


class BM25Hit:
    """One BM25 result: internal doc id, float32 score, Weaviate explain string (§3.7).

    The explain string is built on first access, since most queries never ask for it.
    """

    __slots__ = ("doc", "score", "_explain", "_explain_fn")

    def __init__(
        self, doc: int, score: float, explain: str | None = None, explain_fn: Callable[[], str] | None = None
    ) -> None:
        self.doc = doc
        self.score = score
        self._explain = explain
        self._explain_fn = explain_fn

    @property
    def explain(self) -> str:
        if self._explain is None:
            self._explain = self._explain_fn() if self._explain_fn is not None else ""
            self._explain_fn = None
        return self._explain

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BM25Hit):
            return NotImplemented
        return (self.doc, self.score, self.explain) == (other.doc, other.score, other.explain)

    def __repr__(self) -> str:
        return f"BM25Hit(doc={self.doc}, score={self.score!r})"


class _PostingArrays:
    """Numpy view of one (property, term) posting list, kept in step with writes.

    Adds append in place (capacity doubling); removals leave a tombstone (doc = -1) that the
    next query compacts away with one vectorised pass. So a write never forces a rebuild.
    """

    __slots__ = ("docs", "tfs", "lens", "n", "dead", "norm_key", "norm", "weight_key", "weighted_of", "weighted")

    def __init__(self, docs: np.ndarray, tfs: np.ndarray, lens: np.ndarray) -> None:
        self.docs, self.tfs, self.lens = docs, tfs, lens
        self.n = len(docs)
        self.dead = 0
        self.norm_key: tuple[float, float, float] | None = None
        self.norm: np.ndarray | None = None
        # the last (idf, boost) asked for, the `norm` it was computed from, and norm · idf · boost
        self.weight_key: tuple[float, float] | None = None
        self.weighted_of: np.ndarray | None = None
        self.weighted: np.ndarray | None = None

    def append(self, doc: int, tf: int, length: int) -> None:
        if self.n == len(self.docs):
            cap = max(8, 2 * self.n)
            for attr in ("docs", "tfs", "lens"):
                old = getattr(self, attr)
                new = np.empty(cap, dtype=old.dtype)
                new[: self.n] = old[: self.n]
                setattr(self, attr, new)
        self.docs[self.n] = doc
        self.tfs[self.n] = tf
        self.lens[self.n] = length
        self.n += 1
        self.norm_key = None

    def extend(self, docs: np.ndarray, tfs: np.ndarray, lens: np.ndarray) -> None:
        """Append many postings at once (same as `append` per entry)."""
        k = len(docs)
        if self.n + k > len(self.docs):
            cap = max(8, 2 * self.n, self.n + k)
            for attr in ("docs", "tfs", "lens"):
                old = getattr(self, attr)
                new = np.empty(cap, dtype=old.dtype)
                new[: self.n] = old[: self.n]
                setattr(self, attr, new)
        self.docs[self.n : self.n + k] = docs
        self.tfs[self.n : self.n + k] = tfs
        self.lens[self.n : self.n + k] = lens
        self.n += k
        self.norm_key = None

    def kill_many(self, docs: list[int]) -> None:
        """Tombstone the postings of these docs (one pass over the list, however many docs)."""
        live = self.docs[: self.n]
        hit = live == docs[0] if len(docs) == 1 else np.isin(live, docs)
        idx = np.flatnonzero(hit)
        if len(idx):
            self.docs[idx] = -1
            self.dead += len(idx)
            self.norm_key = None

    def view(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.dead:
            n = self.n
            keep = self.docs[:n] >= 0
            m = int(keep.sum())
            self.docs[:m] = self.docs[:n][keep]
            self.tfs[:m] = self.tfs[:n][keep]
            self.lens[:m] = self.lens[:n][keep]
            self.n, self.dead = m, 0
        n = self.n
        return self.docs[:n], self.tfs[:n], self.lens[:n]

    def normalised(self, k1: float, b: float, avgdl: float) -> tuple[np.ndarray, np.ndarray]:
        """(docs, tf / (tf + k1·((1−b) + b·len/avgdl))) in float64; no (k1+1) factor (§3.6)."""
        docs, tfs, lens = self.view()
        key = (k1, b, avgdl)
        if self.norm_key != key or self.norm is None:
            self.norm = tfs / (tfs + k1 * ((1.0 - b) + b * (lens / avgdl)))
            self.norm_key = key
        return docs, self.norm

    def parts(self, k1: float, b: float, avgdl: float, idf: float, boost: float) -> tuple[np.ndarray, np.ndarray]:
        """(docs, normalised tf · idf · boost): the term's BM25 part per doc in one property (§3.6), reused
        while the postings, the statistics and the weights stay the same (queries repeat their terms)."""
        docs, norm = self.normalised(k1, b, avgdl)
        key = (idf, boost)
        if self.weighted is None or self.weight_key != key or self.weighted_of is not norm:
            self.weighted = norm * idf * boost
            self.weight_key = key
            self.weighted_of = norm
        return docs, self.weighted


class _BulkTerms:
    """The distinct terms of every document indexed by one `add_many` call, as arrays.

    Per property: (docs ascending, offsets, term ids, vocabulary); document `docs[i]` has the terms
    `vocabulary[t]` for t in `term_ids[offsets[i]:offsets[i + 1]]`. Far cheaper to build than
    one tuple per document, and `remove` reads it back for one document at a time.
    """

    __slots__ = ("props",)

    def __init__(self) -> None:
        self.props: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]] = {}

    def terms_of(self, doc: int) -> dict[str, tuple[str, ...]]:
        out = {}
        for name, (docs, offsets, term_ids, vocab) in self.props.items():
            i = int(np.searchsorted(docs, doc))
            if i < len(docs) and docs[i] == doc:
                out[name] = tuple(vocab[t] for t in term_ids[offsets[i] : offsets[i + 1]].tolist())
        return out


@dataclass
class _Property:
    """Statistics of one searchable text/text[] property (§3.4)."""

    name: str
    tokenization: str
    searchable: bool
    postings: dict[str, dict[int, int]]  # term -> {doc: tf}; df = len
    lengths: dict[int, int]
    length_sum: int = 0
    # numpy posting arrays of terms that were queried at least once, maintained on writes
    cache: dict[str, _PostingArrays] = field(default_factory=dict)
    # lengths by doc as a dense float64 array (gathered when a term's arrays are first built)
    dense_lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))

    def set_lengths(self, docs: list[int], lengths: list[int]) -> None:
        if not docs:
            return
        top = max(docs) + 1
        if top > len(self.dense_lengths):
            grown = np.zeros(max(top, 2 * len(self.dense_lengths), 1024), dtype=np.float64)
            grown[: len(self.dense_lengths)] = self.dense_lengths
            self.dense_lengths = grown
        self.dense_lengths[docs] = lengths

    def avgdl(self) -> float:
        return self.length_sum / len(self.lengths) if self.lengths else 0.0

    def arrays(self, term: str) -> _PostingArrays | None:
        hit = self.cache.get(term)
        if hit is not None:
            return hit
        plist = self.postings.get(term)
        if not plist:
            return None
        count = len(plist)
        docs = np.fromiter(plist.keys(), dtype=np.int64, count=count)
        tfs = np.fromiter(plist.values(), dtype=np.float64, count=count)
        lens = self.dense_lengths[docs]  # == self.lengths[doc] for every doc in a posting list
        hit = _PostingArrays(docs, tfs, lens)
        self.cache[term] = hit
        return hit


# §3.2 word tokenizer on ASCII text: every ASCII character other than a letter or digit separates
# tokens (`[^\W_]+` restricted to ASCII), so lowercase + translate-to-space + split is the same split.
_ASCII_SEPARATORS = str.maketrans({chr(c): " " for c in range(1, 128) if not chr(c).isalnum()})


# Posting lists reaching this many documents keep numpy arrays from the start (built once when
# the term crosses it, then extended per batch), so the first query on a common term builds nothing.
_PRECOMPUTE_DF = 512

# Bounds on the BM25 parts `InvertedIndex.search` keeps between writes: entries, and bytes of parts
# (a common term's parts are one float64 per document that has it); past either, the memo starts over.
_PARTS_MEMO_SIZE = 65536
_PARTS_MEMO_BYTES = 64 << 20


def _token_columns(values: list[object], tokenization: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Tokens of many values as columns: (vocabulary, term id per token, value position per token).

    Tokens come in value order, each value's tokens in order, so term ids follow first occurrence.
    Same tokens as `tokenize`/`tokenize_many` per value; non-text values yield none.
    """
    texts: list[str] = []
    where: list[int] = []
    all_str = True
    for i, v in enumerate(values):
        if v is None:
            continue
        if not isinstance(v, str):
            if not isinstance(v, (list, tuple)):
                continue  # not text: ignored
            all_str = False
        texts.append(v)  # type: ignore[arg-type]
        where.append(i)
    if not texts:
        return [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    where_arr = np.asarray(where, dtype=np.int64)
    if all_str and tokenization in ("word", "field"):
        joined = "\x00".join(texts)
        if joined.isascii() and joined.count("\x00") == len(texts) - 1:
            if tokenization == "field":  # §3.2: the value trimmed of (ASCII) white space, if non-empty
                flat = [v.strip("\t\n\x0b\x0c\r ") for v in texts]
                keep_vals = [i for i, t in enumerate(flat) if t]
                if len(keep_vals) != len(flat):
                    flat = [flat[i] for i in keep_vals]
                    where_arr = where_arr[keep_vals]
                lookup = {t: i for i, t in enumerate(dict.fromkeys(flat))}
                ids = np.fromiter(map(lookup.__getitem__, flat), dtype=np.int64, count=len(flat))
                return list(lookup), ids, where_arr
            # §3.2 word tokens of ASCII text in one C pass (see _ASCII_SEPARATORS); "\x00" separates values
            flat = joined.replace("\x00", " \x00 ").lower().translate(_ASCII_SEPARATORS).split()
            lookup = {t: i for i, t in enumerate(dict.fromkeys(flat))}
            ids = np.fromiter(map(lookup.__getitem__, flat), dtype=np.int64, count=len(flat))
            if len(texts) > 1:
                is_mark = ids == lookup["\x00"]
                seg = np.cumsum(is_mark)
                keep = ~is_mark
                ids, seg = ids[keep], seg[keep]
            else:
                seg = np.zeros(len(ids), dtype=np.int64)
            return list(lookup), ids, where_arr[seg]
    flat = []
    counts = []
    for v in texts:
        tokens = tokenize(v, tokenization) if isinstance(v, str) else tokenize_many(v, tokenization)
        flat.extend(tokens)
        counts.append(len(tokens))
    lookup = {t: i for i, t in enumerate(dict.fromkeys(flat))}
    ids = np.fromiter(map(lookup.__getitem__, flat), dtype=np.int64, count=len(flat))
    return list(lookup), ids, np.repeat(where_arr, counts)


def _allow_mask(allow: np.ndarray | set[int] | frozenset[int] | None, size: int) -> np.ndarray | None:
    """A bool mask of length `size` over doc ids, or None for "everything allowed"."""
    if allow is None:
        return None
    if isinstance(allow, np.ndarray):
        if allow.dtype != np.bool_:
            raise TypeError("allow must be a bool mask over doc ids or a set of doc ids")
        if len(allow) >= size:
            return allow[:size]
        mask = np.zeros(size, dtype=bool)
        mask[: len(allow)] = allow
        return mask
    mask = np.zeros(size, dtype=bool)
    if allow:
        idx = np.fromiter(allow, dtype=np.int64, count=len(allow))
        idx = idx[(idx >= 0) & (idx < size)]
        mask[idx] = True
    return mask


def _top_indices(scores: np.ndarray, docs: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best entries by score desc, ties by lower doc id (§3.6 priority queue).

    `docs` must be ascending. O(n): a partition plus a pass over the tied boundary value.
    """
    n = len(scores)
    if n <= k:
        return np.arange(n)
    if k <= 0:
        return np.arange(0)
    kth = -np.partition(-scores, k - 1)[k - 1]
    above = (scores > kth).nonzero()[0]
    ties = (scores == kth).nonzero()[0][: k - len(above)]
    return np.sort(np.concatenate([above, ties]))


# A query term's group IDF and its (docs, BM25 parts) per property of the group, None where absent.
_TermParts = tuple[float, tuple[tuple[np.ndarray, np.ndarray] | None, ...]]


@dataclass
class _Ranked:
    """A BM25 ranking: docs and float32 scores in result order, and what explain strings read."""

    docs: np.ndarray
    scores: np.ndarray
    matched_props: list[tuple[_Property, np.ndarray]]
    group_terms: dict[str, list[tuple[str, float]]]
    chosen: list[tuple[_Property, float]]


class InvertedIndex:
    """BM25 statistics for the searchable text properties of one collection (single shard).

    Statistics are live-document based: removing or replacing a document leaves exactly the
    statistics a fresh build would have. (Real Weaviate keeps stale lengths in avgdl until a
    memtable flush, §3.4; we model the post-flush state.) `N` counts every document passed to
    `add`, with or without text, so the store must call `add` for every object (§3.4).
    """

    def __init__(
        self,
        k1: float = 1.2,
        b: float = 0.75,
        stopwords: Stopwords | None = None,
        uuid_of: Callable[[int], str] = _uuid_of_missing,
    ) -> None:
        self._props: dict[str, _Property] = {}
        # doc -> its distinct terms per property (for `remove`), or the add_many segment holding them
        self._docs: dict[int, dict[str, tuple[str, ...]] | _BulkTerms] = {}
        self._size = 0  # 1 + largest doc id ever seen: length of the dense per-query arrays
        self.uuid_of = uuid_of
        # ((property, boost) of a tokenization group, term, multiplicity) -> the term's `_term_parts`: what
        # queries computed since the last write (every write changes postings or statistics, so every write
        # empties it)
        self._parts_memo: dict[tuple[tuple[tuple[str, float], ...], str, int], _TermParts] = {}
        self._parts_memo_bytes = 0  # bytes of the parts arrays it holds
        self.update_config(k1, b, stopwords if stopwords is not None else Stopwords())

    def _forget_parts(self) -> None:
        """Empty the memo of BM25 parts: every write changes postings or statistics."""
        self._parts_memo.clear()
        self._parts_memo_bytes = 0

    def _term_parts(self, members: list[tuple[_Property, float]], term: str, dup: int) -> _TermParts:
        """A query term's group IDF (§3.6) and its (docs, BM25 parts) in each property of the group
        (None where the property lacks the term)."""
        dfs = [len(prop.postings[term]) for prop, _ in members if term in prop.postings]
        if not dfs:
            return 0.0, (None,) * len(members)
        n = sum(dfs) // len(dfs)  # unsigned integer division
        big_n = max(len(self._docs), n)
        idf = math.log(1.0 + (big_n - n + 0.5) / (n + 0.5)) * dup
        found = []
        for prop, boost in members:
            arrays = prop.arrays(term)
            found.append(None if arrays is None else arrays.parts(self.k1, self.b, prop.avgdl(), idf, boost))
        return idf, tuple(found)

    def _remember_parts(self, key: tuple[tuple[tuple[str, float], ...], str, int], entry: _TermParts) -> None:
        size_of = sum(parts[1].nbytes for parts in entry[1] if parts is not None)
        if len(self._parts_memo) >= _PARTS_MEMO_SIZE or self._parts_memo_bytes + size_of > _PARTS_MEMO_BYTES:
            self._forget_parts()
        self._parts_memo[key] = entry
        self._parts_memo_bytes += size_of

    # ---------------------------------------------------------------- configuration
    def update_config(self, k1: float, b: float, stopwords: Stopwords) -> None:
        """Set k1/b (stored as float32 and used widened to float64, §3.1) and the stopwords."""
        self._forget_parts()
        self.k1 = float(np.float32(k1))
        self.b = float(np.float32(b))
        self.stopwords = stopwords

    def set_property(self, name: str, tokenization: str, searchable: bool = True) -> None:
        """Declare a text/text[] property; existing documents are not re-indexed for it."""
        self._forget_parts()
        tokenize("", tokenization)  # validates the tokenization name
        prop = self._props.get(name)
        if prop is None:
            self._props[name] = _Property(name, tokenization, searchable, {}, {})
        else:
            if prop.tokenization != tokenization and prop.lengths:
                raise ValueError(f"property '{name}' already indexed with tokenization {prop.tokenization}")
            prop.tokenization = tokenization
            prop.searchable = searchable

    def property_names(self) -> list[str]:
        """Searchable properties in declaration order (the default BM25 property list, §3.5)."""
        return [p.name for p in self._props.values() if p.searchable]

    def __len__(self) -> int:
        return len(self._docs)

    # ---------------------------------------------------------------- writes
    def add(self, doc: int, properties: dict[str, object]) -> None:
        """Index (or re-index) a document; values are str, list[str] or None (§3.4)."""
        self._forget_parts()
        if doc in self._docs:
            self.remove(doc)
        per_prop: dict[str, tuple[str, ...]] = {}
        for name, prop in self._props.items():
            value = properties.get(name)
            if value is None:
                continue
            if isinstance(value, str):
                tokens = tokenize(value, prop.tokenization)
            elif isinstance(value, (list, tuple)):
                tokens = tokenize_many(value, prop.tokenization)
            else:
                continue  # not text: ignored
            if not tokens:
                continue  # no postings, no length entry (§3.4)
            counts = Counter(tokens)
            per_prop[name] = tuple(counts)
            prop.lengths[doc] = len(tokens)  # stopwords and duplicates included (§3.4)
            prop.set_lengths([doc], [len(tokens)])
            prop.length_sum += len(tokens)
            postings, cache = prop.postings, prop.cache
            for term, tf in counts.items():
                try:
                    postings[term][doc] = tf
                except KeyError:
                    postings[term] = {doc: tf}
            if cache:
                length = len(tokens)
                for term in cache.keys() & counts.keys():
                    cache[term].append(doc, counts[term], length)
        self._docs[doc] = per_prop
        if doc >= self._size:
            self._size = doc + 1

    def add_many(self, items: Iterable[tuple[int, dict[str, object]]]) -> None:
        """`add` for many documents (batches, start-up): same statistics, far fewer Python calls.

        Property by property, all values are tokenised into one flat token list, mapped to term ids
        and counted with one numpy sort of (term, value) keys; each term's postings are then
        written with one C-level `dict.update` over its slice (see `_bulk_postings`).
        """
        items = list(items)
        if not items:
            return
        self._forget_parts()
        known = self._docs
        seen: set[int] = set()
        for doc, _ in items:
            if doc in known:
                self.remove(doc)
            if doc in seen:  # the same doc twice: later versions replace earlier ones, one by one
                for d, props in items:
                    self.add(d, props)
                return
            seen.add(doc)
        doc_ids = np.fromiter((doc for doc, _ in items), dtype=np.int64, count=len(items))
        if len(doc_ids) == 1 or bool((doc_ids[1:] > doc_ids[:-1]).all()):
            segment: _BulkTerms | None = _BulkTerms()
            per_doc: list[dict[str, tuple[str, ...]]] | None = None
        else:
            segment = None
            per_doc = [{} for _ in items]
        for name, prop in self._props.items():
            values = [properties.get(name) for _, properties in items]
            self._bulk_postings(prop, values, doc_ids, per_doc, segment)
        if segment is not None:
            known.update(dict.fromkeys(doc_ids.tolist(), segment))
        else:
            for (doc, _), per_prop in zip(items, per_doc or []):
                known[doc] = per_prop
        top = int(doc_ids.max())
        if top >= self._size:
            self._size = top + 1

    def _bulk_postings(
        self,
        prop: _Property,
        values: list[object],
        doc_ids: np.ndarray,
        per_doc: list[dict[str, tuple[str, ...]]] | None,
        segment: _BulkTerms | None,
    ) -> None:
        """Index one property of fresh documents (`values[i]` belongs to `doc_ids[i]`).

        Each document's distinct terms go to `segment` (ascending doc ids) or else to `per_doc`.
        """
        vocab, ids, vpos = _token_columns(values, prop.tokenization)
        if not len(ids):
            return
        n_vals = len(values)
        lengths_by_val = np.bincount(vpos, minlength=n_vals)  # duplicates and stopwords count (§3.4)
        has_text = np.flatnonzero(lengths_by_val)
        text_docs = doc_ids[has_text].tolist()
        text_lengths = lengths_by_val[has_text].tolist()
        prop.lengths.update(zip(text_docs, text_lengths))
        prop.length_sum += int(lengths_by_val.sum())
        prop.set_lengths(text_docs, text_lengths)

        # (term, value) pairs sorted by term, then by value position = the order `add` would insert
        keys, tfs = np.unique(ids * n_vals + vpos, return_counts=True)
        terms = keys // n_vals
        vals = keys - terms * n_vals
        bounds = np.flatnonzero(terms[1:] != terms[:-1]) + 1
        starts = np.concatenate(([0], bounds)).tolist()
        ends = np.concatenate((bounds, [len(keys)])).tolist()
        term_ids = terms[np.asarray(starts, dtype=np.int64)].tolist()
        pdocs = doc_ids[vals]
        pdocs_list = pdocs.tolist()
        tfs_list = tfs.tolist()
        postings, cache = prop.postings, prop.cache
        grown: list[str] = []
        for t, a, b in zip(term_ids, starts, ends):
            term = vocab[t]
            plist = postings.get(term)
            if plist is None:
                postings[term] = dict(zip(pdocs_list[a:b], tfs_list[a:b]))
                if b - a >= _PRECOMPUTE_DF:  # same arrays as `arrays(term)` builds from the dict
                    cache[term] = _PostingArrays(
                        pdocs[a:b].copy(), tfs[a:b].astype(np.float64), prop.dense_lengths[pdocs[a:b]]
                    )
                continue
            before = len(plist)
            plist.update(zip(pdocs_list[a:b], tfs_list[a:b]))
            arrays = cache.get(term) if cache else None
            if arrays is not None:
                arrays.extend(pdocs[a:b], tfs[a:b].astype(np.float64), lengths_by_val[vals[a:b]].astype(np.float64))
            elif before < _PRECOMPUTE_DF <= len(plist):
                grown.append(term)
        # Terms that became common get their numpy arrays now, so a query never pays for them (§3.6).
        for term in grown:
            prop.arrays(term)

        # per document: its distinct terms (what `remove` needs), as arrays when docs ascend
        order = np.argsort(vals, kind="stable")
        distinct = np.bincount(vals, minlength=n_vals)[has_text]
        text_doc_arr = doc_ids[has_text]
        if segment is not None:
            offsets = np.zeros(len(has_text) + 1, dtype=np.int64)
            np.cumsum(distinct, out=offsets[1:])
            segment.props[prop.name] = (text_doc_arr, offsets, terms[order].astype(np.int32), vocab)
            return
        vocab_arr = np.empty(len(vocab), dtype=object)
        vocab_arr[:] = vocab
        doc_terms = vocab_arr[terms[order]].tolist()
        name = prop.name
        pos = 0
        for i, k in zip(has_text.tolist(), distinct.tolist()):
            per_doc[i][name] = tuple(doc_terms[pos : pos + k])  # type: ignore[index]
            pos += k

    def remove(self, doc: int) -> None:
        """Forget a document; unknown docs are ignored."""
        self.remove_many([doc])

    def remove_many(self, docs: Iterable[int]) -> None:
        """Forget documents (unknown ones are ignored); each cached posting array is swept once."""
        self._forget_parts()
        kills: dict[_PostingArrays, list[int]] = {}
        for doc in docs:
            per_prop = self._docs.pop(doc, None)
            if per_prop is None:
                continue
            if isinstance(per_prop, _BulkTerms):
                per_prop = per_prop.terms_of(doc)
            for name, counts in per_prop.items():
                prop = self._props.get(name)
                if prop is None:
                    continue
                prop.length_sum -= prop.lengths.pop(doc, 0)
                cache = prop.cache
                for term in counts:
                    plist = prop.postings.get(term)
                    if plist is not None:
                        plist.pop(doc, None)
                        if not plist:
                            del prop.postings[term]
                            dropped = cache.pop(term, None)
                            if dropped is not None:
                                kills.pop(dropped, None)
                            continue
                    arrays = cache.get(term)
                    if arrays is not None:
                        kills.setdefault(arrays, []).append(doc)
        for arrays, killed in kills.items():
            arrays.kill_many(killed)

    # ---------------------------------------------------------------- statistics (for tests/debugging)
    def doc_frequency(self, name: str, term: str) -> int:
        return len(self._props[name].postings.get(term, ()))

    def average_length(self, name: str) -> float:
        return self._props[name].avgdl()

    def stats_snapshot(self) -> dict[str, object]:
        """Comparable dump of all statistics (used to check incremental == fresh build)."""
        return {
            "N": len(self._docs),
            "props": {
                name: {
                    "postings": {t: dict(sorted(p.items())) for t, p in sorted(prop.postings.items())},
                    "lengths": dict(sorted(prop.lengths.items())),
                    "length_sum": prop.length_sum,
                }
                for name, prop in self._props.items()
            },
        }

    # ---------------------------------------------------------------- query
    def _resolve(self, properties: list[tuple[str, float]] | None) -> list[tuple[_Property, float]]:
        if properties is None:
            chosen = [(p, 1.0) for p in self._props.values() if p.searchable]
        else:
            boosts: dict[str, tuple[_Property, float]] = {}
            for name, boost in properties:
                prop = self._props.get(name)
                if prop is None:
                    prop = self._props.get(_lower_first(name))
                if prop is None or not prop.searchable:
                    raise ValueError(unsearchable_property_message(name))
                # listed twice: first position, last boost, scored once (§3.5)
                boosts[prop.name] = (prop, float(np.float32(boost)))
            chosen = list(boosts.values())
        if not chosen:
            raise ValueError(NO_PROPERTIES_MESSAGE)
        return chosen

    def _query_terms(self, query: str, tokenization: str) -> list[tuple[str, int]]:
        """Distinct query terms with their multiplicity dup(t), in first-seen order (§3.5 step 3)."""
        tokens = tokenize(query or "", tokenization)
        if tokenization == "word":
            stop = self.stopwords
            tokens = [t for t in tokens if t not in stop]
        return list(Counter(tokens).items())

    def search(
        self,
        query: str,
        properties: list[tuple[str, float]] | None,
        limit: int,
        allow: np.ndarray | set[int] | None = None,
        operator: str = "or",
        minimum_match: int = 0,
        explain: bool = True,
    ) -> list[BM25Hit]:
        """Rank documents for a BM25 query (§3.5, §3.6).

        Args:
            query: the raw query string.
            properties: (property, boost) pairs; None means every searchable property, boost 1.
            limit: how many hits to return (offset + limit for a plain bm25 query, the pool for hybrid).
            allow: documents passing the filter (bool mask over doc ids or a set); None = all.
                The filter never changes N, df or avgdl (§3.6).
            operator: "or" (default) or "and" (all terms of a tokenization group in one property).
            minimum_match: with "or", the minimum number of matched terms per property.
            explain: attach the lazy explain string (hybrid's keyword leg never reads it).

        Returns:
            Hits by float32 score descending, ties by UUID ascending; at most `limit`.

        Raises:
            ValueError: unknown or non-searchable property, or no searchable property at all.
        """
        ranked = self._rank(query, properties, limit, allow, operator, minimum_match)
        if ranked is None:
            return []
        doc_list, score_list = ranked.docs.tolist(), ranked.scores.astype(np.float64).tolist()
        if not explain:
            return [BM25Hit(d, v) for d, v in zip(doc_list, score_list)]
        terms_by_prop = {prop.name: ranked.group_terms[prop.tokenization] for prop, _ in ranked.chosen}
        return [
            BM25Hit(d, v, explain_fn=self._explainer(d, ranked.matched_props, terms_by_prop))
            for d, v in zip(doc_list, score_list)
        ]

    def search_arrays(
        self,
        query: str,
        properties: list[tuple[str, float]] | None,
        limit: int,
        allow: np.ndarray | set[int] | None = None,
        operator: str = "or",
        minimum_match: int = 0,
    ) -> tuple[np.ndarray, np.ndarray]:
        """`search` without explain strings, as arrays: (doc ids, float32 scores) in `search`'s order
        (hybrid's keyword leg, which only needs the ranking)."""
        ranked = self._rank(query, properties, limit, allow, operator, minimum_match)
        if ranked is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return ranked.docs, ranked.scores

    def _rank(
        self,
        query: str,
        properties: list[tuple[str, float]] | None,
        limit: int,
        allow: np.ndarray | set[int] | None,
        operator: str,
        minimum_match: int,
    ) -> _Ranked | None:
        chosen = self._resolve(properties)
        operator = (operator or "or").lower()
        if operator not in ("or", "and"):
            raise ValueError(f"unknown BM25 operator {operator!r}; use 'or' or 'and'")
        if limit <= 0:
            return None

        # Query terms, group IDF per tokenization group (§3.6), and each term's BM25 parts per property.
        groups: dict[str, list[tuple[_Property, float]]] = {}
        for prop, boost in chosen:
            groups.setdefault(prop.tokenization, []).append((prop, boost))
        group_terms: dict[str, list[tuple[str, float]]] = {}
        # per property: the docs and the BM25 parts of each query term it has, in query term order
        docs_by_prop: dict[str, list[np.ndarray]] = {prop.name: [] for prop, _ in chosen}
        parts_by_prop: dict[str, list[np.ndarray]] = {prop.name: [] for prop, _ in chosen}
        memo = self._parts_memo
        any_terms = False
        for tokenization, members in groups.items():
            members_key = tuple((prop.name, boost) for prop, boost in members)
            terms = []
            for term, dup in self._query_terms(query, tokenization):
                key = (members_key, term, dup)
                entry = memo.get(key)
                if entry is None:
                    entry = self._term_parts(members, term, dup)
                    self._remember_parts(key, entry)
                idf, found = entry
                terms.append((term, idf))  # idf 0: no property of the group has the term (|P+| = 0)
                for (prop, _), parts in zip(members, found):
                    if parts is not None:
                        docs_by_prop[prop.name].append(parts[0])
                        parts_by_prop[prop.name].append(parts[1])
            group_terms[tokenization] = terms
            any_terms = any_terms or bool(terms)
        if not any_terms:
            return None  # empty query or stopwords only: no error (§3.5 step 4)

        size = self._size
        mask = _allow_mask(allow, size)
        keep_per_prop = max(int(limit * 1.1), limit + 10)  # §3.6 candidate pruning
        total = np.zeros(size, dtype=np.float32)
        matched = np.zeros(size, dtype=bool)
        matched_props: list[tuple[_Property, np.ndarray]] = []

        for prop, _ in chosen:
            terms = group_terms[prop.tokenization]
            required = len(terms) if operator == "and" else max(1, minimum_match)
            if required > len(terms):
                continue
            term_docs = docs_by_prop[prop.name]
            if not term_docs:
                continue
            all_docs = np.concatenate(term_docs)
            all_parts = np.concatenate(parts_by_prop[prop.name])
            if mask is not None:
                keep = mask[all_docs]
                all_docs, all_parts = all_docs[keep], all_parts[keep]
                if not len(all_docs):
                    continue
            # bincount adds each doc's parts in term order starting from 0.0: the same float64
            # sums as adding term by term
            acc = np.bincount(all_docs, weights=all_parts, minlength=size)
            count = np.bincount(all_docs, minlength=size)
            cands = (count >= required).nonzero()[0]
            if not len(cands):
                continue
            scores32 = acc[cands].astype(np.float32)  # per-property sum rounded to float32
            sel = _top_indices(scores32, cands, keep_per_prop)
            cands, scores32 = cands[sel], scores32[sel]
            total[cands] += scores32  # document score: float32 sum over properties
            matched[cands] = True
            matched_props.append((prop, cands))

        docs = matched.nonzero()[0]
        if not len(docs):
            return None
        scores = total[docs]
        # Which tied docs survive the limit: lower docID first (§3.6); then order ties by UUID.
        sel = _top_indices(scores, docs, limit)
        docs, scores = docs[sel], scores[sel]
        order = by_value_then_key(-scores.astype(np.float64), docs.tolist(), len(docs), self.uuid_of)
        pick = np.asarray(order, dtype=np.int64)  # score desc, then UUID
        return _Ranked(docs[pick], scores[pick], matched_props, group_terms, chosen)

    def _explainer(
        self, doc: int, matched_props: list[tuple[_Property, np.ndarray]], terms_by_prop: dict[str, list]
    ) -> Callable[[], str]:
        """Build the explain string on demand (read it before the next write to this doc)."""

        def build() -> str:
            pieces: dict[str, tuple[int, int]] = {}
            for prop, cands in matched_props:
                pos = int(np.searchsorted(cands, doc))
                if pos >= len(cands) or cands[pos] != doc:
                    continue
                length = prop.lengths.get(doc, 0)
                for term, idf in terms_by_prop[prop.name]:
                    tf = prop.postings.get(term, {}).get(doc)
                    if tf and idf:
                        # Several properties: Weaviate keeps one property's values per term (map
                        # order, random, §3.7); we keep the last searched property deterministically.
                        pieces[term] = (tf, length)
            return "".join(
                f", BM25F_{t}_frequency:{go_float_str(tf)}, BM25F_{t}_propLength:{go_float_str(ln)}"
                for t, (tf, ln) in pieces.items()
            )

        return build
