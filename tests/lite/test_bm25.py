"""BM25 scoring against hand computations from docs/lite-server.md §3.4–§3.9."""

import math
import random
import uuid

import numpy as np
import pytest

from weaviate_recsys.lite import bm25
from weaviate_recsys.lite.bm25 import InvertedIndex, parse_query_properties
from weaviate_recsys.lite.text import Stopwords

f32 = np.float32
K1 = float(f32(1.2))  # float32(1.2) widened to float64 (§3.1)
B = 0.75


def idf(n_docs: int, n: int, dup: int = 1) -> float:
    return math.log(1 + (max(n_docs, n) - n + 0.5) / (n + 0.5)) * dup


def part(tf: float, length: float, avgdl: float, idf_value: float, boost: float = 1.0, k1=K1, b=B) -> float:
    """One term's contribution in one property: no (k1+1) factor (§3.6)."""
    return tf / (tf + k1 * ((1 - b) + b * length / avgdl)) * idf_value * boost


def prop_score(*parts: float) -> np.float32:
    return f32(sum(parts))  # float64 sum per property, rounded to float32


UUIDS = {i: str(uuid.UUID(int=(i * 7919) % 1000 + 1)) for i in range(1000)}


def make_index(**kw) -> InvertedIndex:
    kw.setdefault("uuid_of", UUIDS.__getitem__)
    return InvertedIndex(**kw)


@pytest.fixture
def worked() -> InvertedIndex:
    ix = make_index()
    ix.set_property("title", "word")
    ix.set_property("body", "word")
    ix.add(0, {"title": "Hello World", "body": "the quick brown fox"})  # A
    ix.add(1, {"title": "hello hello there", "body": "hello"})  # B
    ix.add(2, {"title": "world news", "body": "nothing here"})  # C
    return ix


def test_worked_example_is_exact(worked):
    hits = worked.search("hello world", parse_query_properties(["title^2", "body"]), 10)
    assert [h.doc for h in hits] == [1, 0, 2]
    assert [f32(h.score) for h in hits] == [f32(1.7166915), f32(1.4008042), f32(0.4537966)]


def test_worked_example_from_formulas(worked):
    avg = 7 / 3
    idf_hello = idf(3, (2 + 1) // 2)
    idf_world = idf(3, 2)
    assert idf_hello == pytest.approx(0.98083, abs=1e-5)
    assert idf_world == pytest.approx(0.47000, abs=1e-5)
    expected = {
        0: prop_score(part(1, 2, avg, idf_hello, 2), part(1, 2, avg, idf_world, 2)),
        1: f32(prop_score(part(2, 3, avg, idf_hello, 2)) + prop_score(part(1, 1, avg, idf_hello))),
        2: prop_score(part(1, 2, avg, idf_world, 2)),
    }
    hits = worked.search("hello world", [("title", 2.0), ("body", 1.0)], 10)
    assert {h.doc: f32(h.score) for h in hits} == expected


def test_per_property_average_length_counts_stopwords(worked):
    assert worked.average_length("title") == pytest.approx(7 / 3)
    assert worked.average_length("body") == pytest.approx(7 / 3)  # "the" counted


def test_explain_lists_frequency_and_length(worked):
    hits = worked.search("hello", [("title", 1.0)], 10)
    assert hits[0].doc == 1
    assert hits[0].explain == ", BM25F_hello_frequency:2, BM25F_hello_propLength:3"


def test_stopwords_dropped_from_word_queries_only():
    ix = make_index()
    ix.set_property("w", "word")
    ix.set_property("f", "whitespace")
    ix.add(0, {"w": "the cat", "f": "the cat"})
    ix.add(1, {"w": "a dog", "f": "a dog"})
    assert ix.search("the", [("w", 1.0)], 10) == []  # only stopwords: empty, no error
    hits = ix.search("the", [("f", 1.0)], 10)
    assert [h.doc for h in hits] == [0]
    # n=1, N=2, len 2, avgdl 2
    assert f32(hits[0].score) == prop_score(part(1, 2, 2, idf(2, 1)))


def test_stopword_config_changes_query_terms():
    ix = make_index(stopwords=Stopwords("none"))
    ix.set_property("w", "word")
    ix.add(0, {"w": "the cat"})
    ix.add(1, {"w": "dog"})
    assert [h.doc for h in ix.search("the", None, 10)] == [0]
    ix.update_config(1.2, 0.75, Stopwords("en", additions=["cat"]))
    assert ix.search("the cat", None, 10) == []
    ix.update_config(1.2, 0.75, Stopwords("en", removals=["the"]))
    assert [h.doc for h in ix.search("the", None, 10)] == [0]


def test_duplicate_query_terms_multiply_idf():
    ix = make_index()
    ix.set_property("t", "word")
    ix.add(0, {"t": "hello world"})
    ix.add(1, {"t": "world peace"})
    ix.add(2, {"t": "nothing"})
    hits = ix.search("hello hello world", None, 10)
    avg = 5 / 3
    expected0 = prop_score(part(1, 2, avg, idf(3, 1, dup=2)), part(1, 2, avg, idf(3, 2)))
    assert {h.doc: f32(h.score) for h in hits}[0] == expected0


def test_group_idf_uses_integer_average_of_df():
    ix = make_index()
    for name in ("p", "q", "r"):
        ix.set_property(name, "word")
    # df: p=3, q=2, r=0 -> n = (3+2)//2 = 2 (r does not enter P+)
    ix.add(0, {"p": "x", "q": "x", "r": "y"})
    ix.add(1, {"p": "x", "q": "x y"})
    ix.add(2, {"p": "x y"})
    ix.add(3, {"p": "z"})
    hits = {h.doc: f32(h.score) for h in ix.search("x", None, 10)}
    n_x = (3 + 2) // 2
    i = idf(4, n_x)
    avg_p, avg_q = 5 / 4, 3 / 2
    assert hits[0] == f32(prop_score(part(1, 1, avg_p, i)) + prop_score(part(1, 1, avg_q, i)))
    assert hits[1] == f32(prop_score(part(1, 1, avg_p, i)) + prop_score(part(1, 2, avg_q, i)))
    assert hits[2] == prop_score(part(1, 2, avg_p, i))
    assert 3 not in hits


def test_groups_by_tokenization_have_separate_idf():
    ix = make_index()
    ix.set_property("w", "word")
    ix.set_property("f", "field")
    ix.add(0, {"w": "blue sky", "f": "blue sky"})
    ix.add(1, {"w": "blue", "f": "blue"})
    ix.add(2, {"w": "red", "f": "red"})
    hits = {h.doc: f32(h.score) for h in ix.search("blue sky", None, 10)}
    # word group: blue df=2, sky df=1; field group: the single term "blue sky" df=1
    w_avg, f_avg = 4 / 3, 1.0
    assert hits[0] == f32(
        prop_score(part(1, 2, w_avg, idf(3, 2)), part(1, 2, w_avg, idf(3, 1)))
        + prop_score(part(1, 1, f_avg, idf(3, 1)))
    )
    assert hits[1] == prop_score(part(1, 1, w_avg, idf(3, 2)))


def test_text_array_values_are_pooled():
    ix = make_index()
    ix.set_property("tags", "word")
    ix.add(0, {"tags": ["red apple", "apple pie"]})
    ix.add(1, {"tags": ["green"]})
    hits = ix.search("apple", None, 10)
    assert f32(hits[0].score) == prop_score(part(2, 4, 2.5, idf(2, 1)))


def test_documents_without_text_count_in_n():
    ix = make_index()
    ix.set_property("t", "word")
    ix.add(0, {"t": "alpha"})
    ix.add(1, {"t": None, "n": 3})
    ix.add(2, {})
    hits = ix.search("alpha", None, 10)
    assert f32(hits[0].score) == prop_score(part(1, 1, 1, idf(3, 1)))


def test_boosts_and_property_list_parsing():
    assert parse_query_properties(["Title^2", "body", "x^abc", "body^0.5"]) == [
        ("title", 2.0),
        ("body", 0.5),
        ("x", 0.0),
    ]
    ix = make_index()
    ix.set_property("title", "word")
    ix.set_property("body", "word")
    ix.add(0, {"title": "cat", "body": "dog"})
    ix.add(1, {"title": "dog", "body": "cat"})
    ix.add(2, {"title": "x", "body": "y"})
    hits = ix.search("cat", [("title", 3.0), ("body", 1.0)], 10)
    i = idf(3, 1)
    assert [h.doc for h in hits] == [0, 1]
    assert f32(hits[0].score) == prop_score(part(1, 1, 1, i, 3.0))
    # a property listed twice is scored once with its last boost
    twice = ix.search("cat", [("title", 1.0), ("title", 3.0)], 10)
    assert [(h.doc, h.score) for h in twice] == [(0, hits[0].score)]


def test_repeated_terms_follow_boosts_and_writes(monkeypatch):
    """A term's weighted postings are reused between queries only while its boost, idf and postings stay."""
    monkeypatch.setattr(bm25, "_PRECOMPUTE_DF", 1)  # every term keeps arrays: the reuse path
    ix = make_index()
    ix.set_property("title", "word")
    ix.add(0, {"title": "cat"})
    ix.add(1, {"title": "dog dog"})
    first = ix.search("cat", [("title", 2.0)], 10)
    assert f32(first[0].score) == prop_score(part(1, 1, 1.5, idf(2, 1), 2.0))
    again = ix.search("cat", [("title", 1.0)], 10)  # another boost
    assert f32(again[0].score) == prop_score(part(1, 1, 1.5, idf(2, 1)))
    ix.add(2, {"title": "cat cat cat"})  # new postings, N and avgdl
    after = ix.search("cat", [("title", 1.0)], 10)
    avgdl = 6 / 3
    assert [(h.doc, f32(h.score)) for h in after] == [
        (2, prop_score(part(3, 3, avgdl, idf(3, 2)))),
        (0, prop_score(part(1, 1, avgdl, idf(3, 2)))),
    ]
    ix.remove(2)
    assert [(h.doc, h.score) for h in ix.search("cat", [("title", 1.0)], 10)] == [(0, again[0].score)]


def test_a_repeated_term_takes_the_idf_of_the_properties_queried_with_it():
    """A term's group IDF averages its document frequency over the properties searched together, so the
    same term queried over other properties is scored with their IDF, not the one an earlier query used."""
    ix = make_index()
    ix.set_property("title", "word")
    ix.set_property("body", "word")
    ix.add(0, {"title": "cat", "body": "cat"})
    ix.add(1, {"title": "dog", "body": "cat"})
    ix.add(2, {"title": "dog", "body": "cat"})
    alone = ix.search("cat", [("title", 1.0)], 10)
    together = ix.search("cat", [("title", 1.0), ("body", 1.0)], 10)
    assert f32(alone[0].score) == prop_score(part(1, 1, 1, idf(3, 1)))
    group_idf = idf(3, (1 + 3) // 2)
    assert {h.doc: f32(h.score) for h in together} == {
        0: prop_score(part(1, 1, 1, group_idf)) + prop_score(part(1, 1, 1, group_idf)),
        1: prop_score(part(1, 1, 1, group_idf)),
        2: prop_score(part(1, 1, 1, group_idf)),
    }
    assert [(h.doc, h.score) for h in ix.search("cat", [("title", 1.0)], 10)] == [(0, alone[0].score)]


def test_unknown_and_missing_properties_raise_weaviate_messages():
    ix = make_index()
    with pytest.raises(ValueError, match="No properties provided, and no indexed properties found in class"):
        ix.search("x", None, 10)
    ix.set_property("t", "word")
    ix.set_property("hidden", "word", searchable=False)
    with pytest.raises(
        ValueError, match=r"Searching by property 'nope' requires inverted index\. Is `indexSearchable`"
    ):
        ix.search("x", [("nope", 1.0)], 10)
    with pytest.raises(ValueError, match="Searching by property 'hidden'"):
        ix.search("x", [("hidden", 1.0)], 10)
    assert ix.property_names() == ["t"]
    assert ix.search("", None, 10) == []


def test_operator_and_requires_all_terms_in_one_property():
    ix = make_index()
    ix.set_property("a", "word")
    ix.set_property("b", "word")
    ix.add(0, {"a": "red car", "b": "x"})
    ix.add(1, {"a": "red", "b": "car"})  # terms split across properties
    ix.add(2, {"a": "blue car", "b": "y"})
    assert [h.doc for h in ix.search("red car", None, 10, operator="and")] == [0]
    assert sorted(h.doc for h in ix.search("red car", None, 10)) == [0, 1, 2]
    # the AND result keeps the OR score of the surviving document
    or_scores = {h.doc: h.score for h in ix.search("red car", None, 10)}
    assert ix.search("red car", None, 10, operator="and")[0].score == or_scores[0]


def test_minimum_match():
    ix = make_index()
    ix.set_property("t", "word")
    ix.add(0, {"t": "a1 b1 c1"})
    ix.add(1, {"t": "a1 b1"})
    ix.add(2, {"t": "a1"})
    assert sorted(h.doc for h in ix.search("a1 b1 c1", None, 10, minimum_match=2)) == [0, 1]
    assert [h.doc for h in ix.search("a1 b1 c1", None, 10, minimum_match=3)] == [0]
    assert ix.search("a1 b1 c1", None, 10, minimum_match=4) == []


def test_filters_restrict_results_but_not_statistics():
    ix = make_index()
    ix.set_property("t", "word")
    texts = ["apple pie", "apple", "apple tart sweet", "pear", "apple apple"]
    for doc, text in enumerate(texts):
        ix.add(doc, {"t": text})
    full = {h.doc: h.score for h in ix.search("apple", None, 10)}
    allow = {1, 3, 4}
    for allowed in (allow, np.array([d in allow for d in range(5)])):
        filtered = ix.search("apple", None, 10, allow=allowed)
        assert sorted(h.doc for h in filtered) == [1, 4]
        assert all(h.score == full[h.doc] for h in filtered)
    # hand check of one score: N=5, df=4, avgdl = (2+1+3+1+2)/5
    assert f32(full[4]) == prop_score(part(2, 2, 9 / 5, idf(5, 4)))


def test_ties_ordered_by_uuid_and_limit_keeps_lower_doc_ids():
    names = {
        0: "cccc0000-0000-0000-0000-000000000000",
        1: "aaaa0000-0000-0000-0000-000000000000",
        2: "bbbb0000-0000-0000-0000-000000000000",
        3: "0000ffff-0000-0000-0000-000000000000",
    }
    ix = InvertedIndex(uuid_of=names.__getitem__)
    ix.set_property("t", "word")
    for doc in range(4):
        ix.add(doc, {"t": "same words"})
    ix.add(4, {"t": "other"})
    hits = ix.search("same", None, 10)
    assert len({h.score for h in hits}) == 1
    assert [h.doc for h in hits] == [3, 1, 2, 0]  # uuid ascending
    # at the limit, the tied docs with the lowest internal ids survive, then sort by uuid
    assert [h.doc for h in ix.search("same", None, 3)] == [1, 2, 0]


def test_k1_b_configuration():
    ix = make_index(k1=2.0, b=0.5)
    ix.set_property("t", "word")
    ix.add(0, {"t": "x x y"})
    ix.add(1, {"t": "y"})
    hits = ix.search("x", None, 10)
    assert f32(hits[0].score) == prop_score(part(2, 3, 2.0, idf(2, 1), k1=2.0, b=0.5))
    ix.update_config(1.2, 0.75, Stopwords())
    assert f32(ix.search("x", None, 10)[0].score) == prop_score(part(2, 3, 2.0, idf(2, 1)))


def test_other_tokenizations_index_and_query():
    ix = make_index()
    ix.set_property("code", "field")
    ix.set_property("tri", "trigram")
    ix.set_property("low", "lowercase")
    ix.add(0, {"code": "AB-12", "tri": "weaviate", "low": "Hello, World"})
    ix.add(1, {"code": "ab-12", "tri": "other", "low": "hello world"})
    assert [h.doc for h in ix.search("AB-12", [("code", 1.0)], 10)] == [0]
    assert [h.doc for h in ix.search("viat", [("tri", 1.0)], 10)] == [0]
    assert [h.doc for h in ix.search("HELLO,", [("low", 1.0)], 10)] == [0]


def _random_corpus(seed: int, n: int):
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(30)] + ["the", "a"]
    docs = {}
    for doc in range(n):
        props = {}
        if rng.random() < 0.9:
            props["title"] = " ".join(rng.choice(vocab) for _ in range(rng.randint(0, 6)))
        if rng.random() < 0.8:
            props["tags"] = [" ".join(rng.choice(vocab) for _ in range(rng.randint(1, 3))) for _ in range(2)]
        docs[doc] = props
    return rng, docs


def _fresh(docs: dict) -> InvertedIndex:
    ix = make_index()
    ix.set_property("title", "word")
    ix.set_property("tags", "whitespace")
    for doc in sorted(docs):
        ix.add(doc, docs[doc])
    return ix


def test_incremental_add_remove_replace_equals_fresh_build():
    rng, docs = _random_corpus(7, 200)
    inc = _fresh(docs)
    live = dict(docs)
    next_doc = len(docs)
    for _ in range(300):
        action = rng.random()
        if action < 0.4 and live:
            doc = rng.choice(sorted(live))
            inc.remove(doc)
            del live[doc]
        elif action < 0.7 and live:
            doc = rng.choice(sorted(live))  # replace in place (properties-only update)
            _, new = _random_corpus(rng.randint(0, 10**6), 1)
            live[doc] = new[0]
            inc.add(doc, new[0])
        else:
            _, new = _random_corpus(rng.randint(0, 10**6), 1)
            live[next_doc] = new[0]
            inc.add(next_doc, new[0])
            next_doc += 1
        if rng.random() < 0.1:
            inc.search("w1 w2 w3 w4 w5 the", None, 5)  # warm the posting arrays mid-stream
    fresh = _fresh(live)
    assert inc.stats_snapshot() == fresh.stats_snapshot()
    for query in ("w1 w2", "w3", "the w4 w4", "w5 w6 w7 w8"):
        a = [(h.doc, h.score) for h in inc.search(query, None, 50)]
        b = [(h.doc, h.score) for h in fresh.search(query, None, 50)]
        assert a == b and a


def test_remove_many_equals_removing_one_by_one_and_a_fresh_build():
    rng, docs = _random_corpus(11, 300)
    one, many = _fresh(docs), _fresh(docs)
    for ix in (one, many):
        ix.search("w1 w2 w3 w4 w5 the", None, 5)  # posting arrays exist: removal must sweep them too
    gone = rng.sample(sorted(docs), 120)
    for doc in gone:
        one.remove(doc)
    many.remove_many(gone + [10**6])  # an unknown doc is ignored
    fresh = _fresh({d: p for d, p in docs.items() if d not in set(gone)})
    assert many.stats_snapshot() == one.stats_snapshot() == fresh.stats_snapshot()
    for query in ("w1 w2", "w3", "the w4 w4", "w5 w6 w7 w8"):
        a = [(h.doc, h.score) for h in many.search(query, None, 50)]
        assert a == [(h.doc, h.score) for h in fresh.search(query, None, 50)] and a


def test_per_property_candidate_pruning_like_weaviate():
    """Each property keeps only its top max(1.1L, L+10) before the cross-property sum (§3.6)."""
    ix = make_index()
    ix.set_property("p", "word")
    ix.set_property("q", "word")
    for doc in range(11):
        ix.add(doc, {"p": "t"})
    for doc in range(11, 22):
        ix.add(doc, {"q": "t"})
    ix.add(22, {"p": "t z", "q": "t z"})  # 12th in each property, best by summed score
    exhaustive = ix.search("t", None, 100)
    assert exhaustive[0].doc == 22
    avg = 13 / 12
    i = idf(23, 12)
    single = prop_score(part(1, 1, avg, i))
    assert f32(exhaustive[0].score) == f32(prop_score(part(1, 2, avg, i)) * 2)
    assert f32(exhaustive[0].score) > single
    # limit 1 keeps 11 per property: doc 22 is pruned from both; ties go to the lowest doc id
    assert [h.doc for h in ix.search("t", None, 1)] == [0]


def _mixed_corpus(seed: int, n: int) -> dict[int, dict]:
    """Word/field/text[] values with ASCII, non-ASCII, punctuation, empties, None and non-text values."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(40)] + ["the", "a", "Çava", "ǅemal", "x_y", "İstanbul", "ΣΑΣ", "a-b"]
    docs: dict[int, dict] = {}
    for doc in range(n):
        props: dict = {}
        r = rng.random()
        if r < 0.8:
            props["title"] = ", ".join(rng.choice(vocab) for _ in range(rng.randint(0, 7)))
        elif r < 0.85:
            props["title"] = 12  # not text: ignored
        if rng.random() < 0.7:
            props["tags"] = [" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 3))) for _ in range(2)]
        if rng.random() < 0.9:
            props["kind"] = rng.choice(["  spaced field ", "A", "", "b c"])
        docs[doc] = props
    return docs


def _three_props() -> InvertedIndex:
    ix = make_index()
    ix.set_property("title", "word")
    ix.set_property("tags", "whitespace")
    ix.set_property("kind", "field")
    return ix


@pytest.mark.parametrize("precompute_df", [8, 10**9])
@pytest.mark.parametrize("batch", [1, 7, 64, 1000])
def test_add_many_equals_one_by_one_add(batch, precompute_df, monkeypatch):
    """The bulk path (batches, start-up) leaves exactly the statistics and results of `add` per doc,
    including writes after it (posting arrays extended per batch) and removals."""
    monkeypatch.setattr(bm25, "_PRECOMPUTE_DF", precompute_df)
    docs = _mixed_corpus(11, 900)
    one, bulk = _three_props(), _three_props()
    order = sorted(docs)
    for doc in order:
        one.add(doc, docs[doc])
    for lo in range(0, len(order), batch):
        bulk.add_many([(d, docs[d]) for d in order[lo : lo + batch]])
        if lo == 0:
            bulk.search("w1 w2 w3 çava", None, 5)  # arrays exist before later batches extend them
    assert bulk.stats_snapshot() == one.stats_snapshot()
    for ix in (one, bulk):
        for doc in range(0, 900, 3):
            ix.remove(doc)
        ix.add_many([(900 + i, docs[i]) for i in range(50)])
    assert bulk.stats_snapshot() == one.stats_snapshot()
    for query in ("w1 w2", "w3 the", "çava ǅemal istanbul σασ", "w5 w6 w7 w8 a-b"):
        for props in (None, [("title", 2.0)], [("tags", 1.0), ("kind", 1.0)]):
            a = [(h.doc, h.score, h.explain) for h in one.search(query, props, 40)]
            b = [(h.doc, h.score, h.explain) for h in bulk.search(query, props, 40)]
            assert a == b
    assert [h.doc for h in bulk.search("A", [("kind", 1.0)], 1000)] == [
        h.doc for h in one.search("A", [("kind", 1.0)], 1000)
    ]


def test_a_repeated_query_scores_each_write_even_when_idf_stays():
    """Writes that keep N and a term's document frequency (in-place replacements, bulk replacements,
    remove then re-add) still change its scores through tf and lengths: a repeated query sees them."""

    def build(texts: dict[int, str]) -> InvertedIndex:
        ix = make_index()
        ix.set_property("title", "word")
        for doc, text in sorted(texts.items()):
            ix.add(doc, {"title": text})
        return ix

    def ranking(ix: InvertedIndex) -> list[tuple[int, float, str]]:
        return [(h.doc, h.score, h.explain) for h in ix.search("cat", [("title", 2.0)], 10)]

    texts = {0: "cat", 1: "dog", 2: "cat dog"}
    ix = build(texts)
    seen = [ranking(ix)]
    for write, change in (
        (lambda: ix.add(0, {"title": "cat cat mouse"}), {0: "cat cat mouse"}),
        (lambda: ix.add_many([(1, {"title": "dog dog dog"})]), {1: "dog dog dog"}),
        (lambda: ix.add_many([(2, {"title": "cat"}), (1, {"title": "dog"})]), {2: "cat", 1: "dog"}),
        (lambda: (ix.remove_many([0]), ix.add(0, {"title": "cat mouse"})), {0: "cat mouse"}),
    ):
        write()
        texts.update(change)
        now = ranking(ix)
        assert now == ranking(build(texts))
        assert now not in seen  # every write here changes the scores
        seen.append(now)
