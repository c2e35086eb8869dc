"""Incremental inverted index with Weaviate's BlockMax BM25 scoring.

Implements WEAVIATE_SEMANTICS.md §3.4–§3.7: per-property statistics kept on every write (postings with
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
from weaviate_recsys.lite.text import _WORD_RE, Stopwords, go_lower, tokenize, tokenize_many

try:  # the C helper behind collections.Counter: counts into a plain dict, no Counter overhead
    from _collections import _count_elements
except ImportError:  # pragma: no cover - other interpreters
    def _count_elements(mapping: dict, iterable: Iterable) -> None:  # type: ignore[misc]
        for elem in iterable:
            mapping[elem] = mapping.get(elem, 0) + 1

_WORD_FINDALL = _WORD_RE.findall

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

    __slots__ = ("docs", "tfs", "lens", "n", "dead", "norm_key", "norm")

    def __init__(self, docs: np.ndarray, tfs: np.ndarray, lens: np.ndarray) -> None:
        self.docs, self.tfs, self.lens = docs, tfs, lens
        self.n = len(docs)
        self.dead = 0
        self.norm_key: tuple[float, float, float] | None = None
        self.norm: np.ndarray | None = None

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

    def kill(self, doc: int) -> None:
        idx = np.flatnonzero(self.docs[: self.n] == doc)
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
        lengths = self.lengths
        lens = np.fromiter(map(lengths.__getitem__, plist), dtype=np.float64, count=count)
        hit = _PostingArrays(docs, tfs, lens)
        self.cache[term] = hit
        return hit


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
    above = np.flatnonzero(scores > kth)
    ties = np.flatnonzero(scores == kth)[: k - len(above)]
    return np.sort(np.concatenate([above, ties]))


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
        self._docs: dict[int, dict[str, tuple[str, ...]]] = {}
        self._size = 0  # 1 + largest doc id ever seen: length of the dense per-query arrays
        self.uuid_of = uuid_of
        self.update_config(k1, b, stopwords if stopwords is not None else Stopwords())

    # ---------------------------------------------------------------- configuration
    def update_config(self, k1: float, b: float, stopwords: Stopwords) -> None:
        """Set k1/b (stored as float32 and used widened to float64, §3.1) and the stopwords."""
        self.k1 = float(np.float32(k1))
        self.b = float(np.float32(b))
        self.stopwords = stopwords

    def set_property(self, name: str, tokenization: str, searchable: bool = True) -> None:
        """Declare a text/text[] property; existing documents are not re-indexed for it."""
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

        Property by property, each value is tokenised once and counted with one C call, and the
        postings are written in one tight loop; documents already indexed are removed first.
        """
        items = list(items)
        if not items:
            return
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
        per_doc: list[dict[str, tuple[str, ...]]] = [{} for _ in items]
        word_findall = _WORD_FINDALL
        for name, prop in self._props.items():
            tokenization = prop.tokenization
            postings, lengths, cache = prop.postings, prop.lengths, prop.cache
            length_sum = 0
            for (doc, properties), per_prop in zip(items, per_doc):
                value = properties.get(name)
                if value is None:
                    continue
                if type(value) is str:
                    if tokenization == "word":
                        tokens = word_findall(value.lower() if value.isascii() else go_lower(value))
                    else:
                        tokens = tokenize(value, tokenization)
                elif isinstance(value, (list, tuple)):
                    tokens = tokenize_many(value, tokenization)
                elif isinstance(value, str):
                    tokens = tokenize(value, tokenization)
                else:
                    continue  # not text: ignored
                if not tokens:
                    continue  # no postings, no length entry (§3.4)
                counts: dict[str, int] = {}
                _count_elements(counts, tokens)
                per_prop[name] = tuple(counts)
                length = len(tokens)
                lengths[doc] = length  # stopwords and duplicates included (§3.4)
                length_sum += length
                for term, tf in counts.items():
                    plist = postings.get(term)
                    if plist is None:
                        postings[term] = {doc: tf}
                    else:
                        plist[doc] = tf
                if cache:
                    for term in cache.keys() & counts.keys():
                        cache[term].append(doc, counts[term], length)
            prop.length_sum += length_sum
        for (doc, _), per_prop in zip(items, per_doc):
            known[doc] = per_prop
        top = max(doc for doc, _ in items)
        if top >= self._size:
            self._size = top + 1

    def remove(self, doc: int) -> None:
        """Forget a document; unknown docs are ignored."""
        per_prop = self._docs.pop(doc, None)
        if per_prop is None:
            return
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
                        cache.pop(term, None)
                        continue
                arrays = cache.get(term)
                if arrays is not None:
                    arrays.kill(doc)

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

        Returns:
            Hits by float32 score descending, ties by UUID ascending; at most `limit`.

        Raises:
            ValueError: unknown or non-searchable property, or no searchable property at all.
        """
        chosen = self._resolve(properties)
        operator = (operator or "or").lower()
        if operator not in ("or", "and"):
            raise ValueError(f"unknown BM25 operator {operator!r}; use 'or' or 'and'")
        if limit <= 0:
            return []

        # Query terms and group IDF per tokenization group (§3.6).
        groups: dict[str, list[_Property]] = {}
        for prop, _ in chosen:
            groups.setdefault(prop.tokenization, []).append(prop)
        n_docs = len(self._docs)
        group_terms: dict[str, list[tuple[str, float]]] = {}
        any_terms = False
        for tokenization, members in groups.items():
            terms = []
            for term, dup in self._query_terms(query, tokenization):
                dfs = [len(p.postings[term]) for p in members if term in p.postings]
                if not dfs:
                    terms.append((term, 0.0))  # |P+| = 0: contributes nothing
                    continue
                n = sum(dfs) // len(dfs)  # unsigned integer division
                big_n = max(n_docs, n)
                idf = math.log(1.0 + (big_n - n + 0.5) / (n + 0.5)) * dup
                terms.append((term, idf))
            group_terms[tokenization] = terms
            any_terms = any_terms or bool(terms)
        if not any_terms:
            return []  # empty query or stopwords only: no error (§3.5 step 4)

        size = self._size
        mask = _allow_mask(allow, size)
        keep_per_prop = max(int(limit * 1.1), limit + 10)  # §3.6 candidate pruning
        k1, b = self.k1, self.b
        total = np.zeros(size, dtype=np.float32)
        matched = np.zeros(size, dtype=bool)
        matched_props: list[tuple[_Property, np.ndarray]] = []

        for prop, boost in chosen:
            terms = group_terms[prop.tokenization]
            avgdl = prop.avgdl()
            required = len(terms) if operator == "and" else max(1, minimum_match)
            if required > len(terms):
                continue
            acc = np.zeros(size, dtype=np.float64)
            count = np.zeros(size, dtype=np.int32)
            touched = False
            for term, idf in terms:
                if idf == 0.0:
                    continue
                arrays = prop.arrays(term)
                if arrays is None:
                    continue
                docs, norm = arrays.normalised(k1, b, avgdl)
                if mask is not None:
                    keep = mask[docs]
                    docs, norm = docs[keep], norm[keep]
                    if not len(docs):
                        continue
                acc[docs] += norm * idf * boost  # · idf · boost
                count[docs] += 1
                touched = True
            if not touched:
                continue
            cands = np.flatnonzero(count >= required)
            if not len(cands):
                continue
            scores32 = acc[cands].astype(np.float32)  # per-property sum rounded to float32
            sel = _top_indices(scores32, cands, keep_per_prop)
            cands, scores32 = cands[sel], scores32[sel]
            total[cands] += scores32  # document score: float32 sum over properties
            matched[cands] = True
            matched_props.append((prop, cands))

        docs = np.flatnonzero(matched)
        if not len(docs):
            return []
        scores = total[docs]
        # Which tied docs survive the limit: lower docID first (§3.6); then order ties by UUID.
        sel = _top_indices(scores, docs, limit)
        docs, scores = docs[sel], scores[sel]
        uuid_of = self.uuid_of
        order = sorted(range(len(docs)), key=lambda i: (-float(scores[i]), uuid_of(int(docs[i]))))
        terms_by_prop = {prop.name: group_terms[prop.tokenization] for prop, _ in chosen}
        hits = []
        for i in order:
            doc = int(docs[i])
            hits.append(
                BM25Hit(doc, float(scores[i]), explain_fn=self._explainer(doc, matched_props, terms_by_prop))
            )
        return hits

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
