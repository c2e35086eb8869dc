"""BM25, near_vector, hybrid and multi-target scores through the real client, against the
formulas and worked examples of docs/lite-server.md (§3.9, §4.5, §9.9)."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
import weaviate
from weaviate.classes.config import Configure, DataType, Property, Tokenization, VectorDistances
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter, HybridFusion, HybridVector, MetadataQuery, TargetVectors
from weaviate.exceptions import WeaviateQueryError

F32 = np.float32

DOCS = {  # §3.9 corpus
    "A": ("Hello World", "the quick brown fox", [1.0, 0.0]),
    "B": ("hello hello there", "hello", [0.6, 0.8]),
    "C": ("world news", "nothing here", [0.0, 1.0]),
}
IDS = {k: str(uuid.UUID(int=i + 1)) for i, k in enumerate(DOCS)}


@pytest.fixture
def corpus(client: weaviate.WeaviateClient, name: str):
    coll = client.collections.create(
        name,
        properties=[Property(name="title", data_type=DataType.TEXT), Property(name="body", data_type=DataType.TEXT)],
        vector_config=[Configure.Vectors.self_provided(name="main")],
    )
    res = coll.data.insert_many(
        [
            DataObject(properties={"title": title, "body": body}, uuid=IDS[key], vector={"main": vec})
            for key, (title, body, vec) in DOCS.items()
        ]
    )
    assert not res.errors
    return coll


def _by_key(objects):
    rev = {v: k for k, v in IDS.items()}
    return [(rev[str(o.uuid)], o) for o in objects]


def test_bm25_worked_example_is_exact(corpus) -> None:
    res = corpus.query.bm25(
        "hello world", query_properties=["title^2", "body"], return_metadata=MetadataQuery(score=True)
    )
    got = [(k, F32(o.metadata.score)) for k, o in _by_key(res.objects)]
    assert got == [("B", F32("1.7166915")), ("A", F32("1.4008042")), ("C", F32("0.4537966"))]


def test_bm25_score_matches_formula_for_single_property(corpus) -> None:
    # title only: N=3, avgdl=7/3, hello df=2 -> idf=ln(1+(3-2+.5)/(2+.5)); no (k1+1) factor (§3.6)
    res = corpus.query.bm25("hello", query_properties=["title"], return_metadata=MetadataQuery(score=True))
    k1, b, avgdl = float(F32(1.2)), 0.75, 7 / 3
    idf = np.log(1 + (3 - 2 + 0.5) / (2 + 0.5))

    def s(tf: int, length: int) -> F32:
        return F32(idf * tf / (tf + k1 * ((1 - b) + b * length / avgdl)))

    got = {k: F32(o.metadata.score) for k, o in _by_key(res.objects)}
    assert got == {"B": s(2, 3), "A": s(1, 2)}


def test_bm25_explain_limit_offset_and_filter(corpus) -> None:
    res = corpus.query.bm25("hello world", limit=1, offset=1, return_metadata=MetadataQuery(explain_score=True))
    assert [k for k, _ in _by_key(res.objects)] == ["A"]
    assert "BM25F_hello_frequency:1" in res.objects[0].metadata.explain_score
    res = corpus.query.bm25("hello world", filters=Filter.by_property("body").equal("nothing"))
    assert [k for k, _ in _by_key(res.objects)] == ["C"]


def test_bm25_only_stopwords_returns_nothing(corpus) -> None:
    assert corpus.query.bm25("the of").objects == []


def test_bm25_unknown_property_is_query_error(corpus) -> None:
    with pytest.raises(WeaviateQueryError, match="requires inverted index"):
        corpus.query.bm25("hello", query_properties=["nope"])


def test_near_vector_distance_certainty_and_threshold(corpus) -> None:
    res = corpus.query.near_vector(
        [1.0, 0.0], return_metadata=MetadataQuery(distance=True, certainty=True), include_vector=True
    )
    got = [(k, o.metadata.distance, o.metadata.certainty) for k, o in _by_key(res.objects)]
    assert [g[0] for g in got] == ["A", "B", "C"]
    assert got[0][1] == 0.0 and got[0][2] == 1.0
    # B: cosine distance 1 - 0.6 = 0.4 (float32), certainty 1 - d/2
    assert F32(got[1][1]) == F32(1) - F32(0.6)
    assert got[1][2] == pytest.approx(1 - got[1][1] / 2, abs=1e-7)
    assert res.objects[0].vector["main"] == [1.0, 0.0]
    res = corpus.query.near_vector([1.0, 0.0], distance=0.5)
    assert [k for k, _ in _by_key(res.objects)] == ["A", "B"]
    res = corpus.query.near_vector([1.0, 0.0], certainty=0.75)  # d <= 0.5
    assert [k for k, _ in _by_key(res.objects)] == ["A", "B"]


def test_near_vector_wrong_dimension_is_query_error(corpus) -> None:
    with pytest.raises(WeaviateQueryError, match="vector lengths don't match"):
        corpus.query.near_vector([1.0, 0.0, 0.0])


def _relative(values: list[float], weight: float) -> list[F32]:
    v = np.asarray(values, dtype=F32)
    lo, hi = v.min(), v.max()
    if hi == lo:
        return [F32(weight)] * len(v)
    return list(F32(weight) * ((v - lo) / (hi - lo)))


def test_hybrid_relative_score_by_hand(corpus) -> None:
    q = [1.0, 0.0]
    bm = {
        k: o.metadata.score
        for k, o in _by_key(corpus.query.bm25("hello", return_metadata=MetadataQuery(score=True)).objects)
    }
    near = {
        k: o.metadata.distance
        for k, o in _by_key(corpus.query.near_vector(q, return_metadata=MetadataQuery(distance=True)).objects)
    }
    res = corpus.query.hybrid(
        "hello", vector=q, alpha=0.75, return_metadata=MetadataQuery(score=True, explain_score=True)
    )
    alpha = float(F32(0.75))
    vkeys = list(near)
    vnorm = dict(zip(vkeys, _relative([F32(1) - F32(near[k]) for k in vkeys], alpha)))
    kkeys = list(bm)
    knorm = dict(zip(kkeys, _relative([bm[k] for k in kkeys], 1 - alpha)))
    expected = {k: F32(knorm.get(k, F32(0))) + F32(vnorm[k]) if k in knorm else vnorm[k] for k in vkeys}
    got = {k: F32(o.metadata.score) for k, o in _by_key(res.objects)}
    assert got == expected
    assert [k for k, _ in _by_key(res.objects)] == sorted(expected, key=lambda k: -expected[k])
    explain = dict(_by_key(res.objects))["B"].metadata.explain_score
    assert explain.startswith("\nHybrid (Result Set keyword,bm25) Document " + IDS["B"])
    assert " - \nHybrid (Result Set vector,hybridVector)" in explain
    assert res.objects[0].metadata.distance is None  # hybrid never returns distance (§2.7)


def test_hybrid_ranked_fusion_by_hand(corpus) -> None:
    q = [0.0, 1.0]
    res = corpus.query.hybrid(
        "hello", vector=q, alpha=0.5, fusion_type=HybridFusion.RANKED, return_metadata=MetadataQuery(score=True)
    )
    vorder = [k for k, _ in _by_key(corpus.query.near_vector(q).objects)]  # C, B, A
    korder = [k for k, _ in _by_key(corpus.query.bm25("hello").objects)]  # B, A
    expected: dict[str, F32] = {}
    for rank, k in enumerate(vorder):
        expected[k] = F32(0.5 / (rank + 60))
    for rank, k in enumerate(korder):
        expected[k] = F32(F32(0.5 / (rank + 60)) + expected.get(k, F32(0)))
    got = {k: F32(o.metadata.score) for k, o in _by_key(res.objects)}
    assert got == expected


def test_hybrid_alpha_zero_and_one(corpus) -> None:
    res = corpus.query.hybrid("hello", alpha=0.0, return_metadata=MetadataQuery(score=True))
    assert [(k, o.metadata.score) for k, o in _by_key(res.objects)] == [("B", 1.0), ("A", 0.0)]
    res = corpus.query.hybrid(None, vector=[1.0, 0.0], return_metadata=MetadataQuery(score=True))
    assert [k for k, _ in _by_key(res.objects)] == ["A", "B", "C"]
    assert res.objects[0].metadata.score == 1.0  # query=None forces alpha 1 (§9.2)


def test_hybrid_without_vector_on_self_provided_is_error(corpus) -> None:
    with pytest.raises(WeaviateQueryError, match="without vectorizer"):
        corpus.query.hybrid("hello", alpha=0.5)


def test_hybrid_max_vector_distance_prunes_keyword_leg(corpus) -> None:
    # vector leg keeps A (0) and B (0.4); C's bm25 hit would not matter; A,B both match "hello"
    res = corpus.query.hybrid(
        "world", vector=[1.0, 0.0], alpha=0.5, max_vector_distance=0.1, return_metadata=MetadataQuery(score=True)
    )
    assert [(k, o.metadata.score) for k, o in _by_key(res.objects)] == [("A", 1.0)]


def test_hybrid_filter_applies_to_both_legs(corpus) -> None:
    res = corpus.query.hybrid(
        "hello",
        vector=[1.0, 0.0],
        filters=Filter.by_property("title").like("w*"),
        return_metadata=MetadataQuery(score=True),
    )
    assert sorted(k for k, _ in _by_key(res.objects)) == ["A", "C"]


def test_hybrid_vector_near_vector_distance_limits_only_vector_leg(corpus) -> None:
    res = corpus.query.hybrid(
        "hello",
        vector=HybridVector.near_vector([0.0, 1.0], distance=0.1),
        alpha=0.5,
        return_metadata=MetadataQuery(score=True, explain_score=True),
    )
    keys = [k for k, _ in _by_key(res.objects)]
    assert sorted(keys) == ["A", "B", "C"]  # C from the vector leg, A and B from bm25
    assert "vector,nearVector" in dict(_by_key(res.objects))["C"].metadata.explain_score


def test_autocut(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.create(
        name,
        vector_config=[
            Configure.Vectors.self_provided(
                name="v", vector_index_config=Configure.VectorIndex.flat(distance_metric=VectorDistances.L2_SQUARED)
            )
        ],
    )
    coll.data.insert_many(
        [
            weaviate.classes.data.DataObject(properties={}, vector={"v": [x, 0.0]})
            for x in (0.0, 0.1, 0.2, 5.0, 5.1, 9.0)
        ]
    )
    res = coll.query.near_vector([0.0, 0.0], auto_limit=1, return_metadata=MetadataQuery(distance=True))
    assert [round(o.metadata.distance, 4) for o in res.objects] == [0.0, 0.01, 0.04]


# --- multi-target vector search: the §9.9 worked example -----------------------------------------

MT = {  # object: (a, b)
    "O1": ([1.0, 0.0], [1.0, 1.0]),
    "O2": ([0.0, 0.0], [0.0, 1.5]),
    "O3": ([1.5, 0.0], [0.0, 0.75]),
    "O4": ([1.0, 0.125], None),
    "O5": (None, [0.0, 2.0]),
}
MT_IDS = {k: str(uuid.UUID(int=100 + i)) for i, k in enumerate(MT)}


@pytest.fixture
def multi(client: weaviate.WeaviateClient, name: str):
    coll = client.collections.create(
        name,
        properties=[Property(name="kw", data_type=DataType.TEXT, tokenization=Tokenization.WORD)],
        vector_config=[
            Configure.Vectors.self_provided(
                name=n, vector_index_config=Configure.VectorIndex.hnsw(distance_metric=VectorDistances.L2_SQUARED)
            )
            for n in ("a", "b")
        ],
    )
    kw = {"O2": "x x", "O1": "x", "O5": "x y z q"}
    for key, (a, b) in MT.items():
        vec = {k: v for k, v in (("a", a), ("b", b)) if v is not None}
        coll.data.insert({"kw": kw.get(key, "none")}, uuid=MT_IDS[key], vector=vec)
    return coll


def _mt(objects) -> list[tuple[str, float]]:
    rev = {v: k for k, v in MT_IDS.items()}
    return [(rev[str(o.uuid)], F32(o.metadata.distance)) for o in objects]


Q = {"a": [1.0, 0.0], "b": [0.0, 1.0]}


@pytest.mark.parametrize(
    "target, expected",
    [
        (["a", "b"], [("O1", 0), ("O4", 0.015625), ("O3", 0.0625), ("O2", 0.25), ("O5", 1)]),
        (TargetVectors.minimum(["a", "b"]), [("O1", 0), ("O4", 0.015625), ("O3", 0.0625), ("O2", 0.25), ("O5", 1)]),
        (TargetVectors.sum(["a", "b"]), [("O3", 0.3125), ("O1", 1), ("O2", 1.25)]),
        (TargetVectors.average(["a", "b"]), [("O3", 0.15625), ("O1", 0.5), ("O2", 0.625)]),
        (TargetVectors.manual_weights({"a": 0.75, "b": 0.25}), [("O3", 0.203125), ("O1", 0.25), ("O2", 0.8125)]),
        (TargetVectors.relative_score({"a": 0.75, "b": 0.25}), [("O3", 0.1875), ("O1", 0.25), ("O2", 0.8)]),
    ],
)
def test_multi_target_worked_example(multi, target, expected) -> None:
    res = multi.query.near_vector(Q, target_vector=target, return_metadata=MetadataQuery(distance=True))
    assert _mt(res.objects) == [(k, F32(v)) for k, v in expected]


def test_multi_target_threshold_limit_and_certainty(multi) -> None:
    res = multi.query.near_vector(
        Q, target_vector=TargetVectors.sum(["a", "b"]), distance=1.0, return_metadata=MetadataQuery(distance=True)
    )
    assert _mt(res.objects) == [("O3", F32(0.3125)), ("O1", F32(1))]
    res = multi.query.near_vector(
        Q,
        target_vector=TargetVectors.relative_score({"a": 0.75, "b": 0.25}),
        limit=1,
        return_metadata=MetadataQuery(distance=True),
    )
    assert _mt(res.objects) == [("O1", F32(0.25))]  # §9.9(c): pool-dependent
    with pytest.raises(WeaviateQueryError, match="not supported with certainty"):
        multi.query.near_vector(Q, target_vector=TargetVectors.sum(["a", "b"]), certainty=0.5)
    res = multi.query.near_vector(
        Q, target_vector=TargetVectors.sum(["a", "b"]), return_metadata=MetadataQuery(certainty=True)
    )
    assert res.objects[0].metadata.certainty is None


def test_multi_target_single_vector_and_unknown_target(multi) -> None:
    res = multi.query.near_vector(
        [1.0, 0.0], target_vector=TargetVectors.sum(["a", "b"]), return_metadata=MetadataQuery(distance=True)
    )
    # d_a + d_b with the same query for both targets
    assert _mt(res.objects)[0] == ("O1", F32(1.0))
    with pytest.raises(WeaviateQueryError, match="does not have named vector zz"):
        multi.query.near_vector([1.0, 0.0], target_vector=["a", "zz"])
    with pytest.raises(WeaviateQueryError, match="multiple vectors, but no target vectors"):
        multi.query.near_vector([1.0, 0.0])


def test_multi_target_hybrid_alpha_one(multi) -> None:
    res = multi.query.hybrid(
        None,
        vector=Q,
        target_vector=TargetVectors.sum(["a", "b"]),
        return_metadata=MetadataQuery(score=True, explain_score=True),
    )
    rev = {v: k for k, v in MT_IDS.items()}
    got = [(rev[str(o.uuid)], F32(o.metadata.score)) for o in res.objects]
    assert got == [("O3", F32(1.0)), ("O1", F32("0.26666668")), ("O2", F32(0))]
    o1 = res.objects[1]
    assert o1.metadata.explain_score == (
        f"\nHybrid (Result Set vector,nearVector) Document {MT_IDS['O1']}: original score 0, "
        "normalized score: 0.26666668"
    )


def test_multi_target_hybrid_with_keyword_leg(multi) -> None:
    # §9.9(e) structure with real BM25 scores: compute the fusion by hand from both legs
    bm = {
        MT_IDS_REV(o): o.metadata.score
        for o in multi.query.bm25("x", return_metadata=MetadataQuery(score=True)).objects
    }
    res = multi.query.hybrid(
        "x",
        vector=Q,
        target_vector=TargetVectors.sum(["a", "b"]),
        alpha=0.75,
        return_metadata=MetadataQuery(score=True),
    )
    vec_vals = {"O3": F32(1) - F32(0.3125), "O1": F32(1) - F32(1), "O2": F32(1) - F32(1.25)}
    vn = dict(zip(vec_vals, _relative(list(vec_vals.values()), float(F32(0.75)))))
    kn = dict(zip(bm, _relative(list(bm.values()), 1 - float(F32(0.75)))))
    expected = {}
    for k in set(vn) | set(kn):
        if k in vn and k in kn:
            expected[k] = F32(kn[k]) + F32(vn[k])
        else:
            expected[k] = vn.get(k, kn.get(k))
    got = {MT_IDS_REV(o): F32(o.metadata.score) for o in res.objects}
    assert got == expected
    res = multi.query.hybrid(
        "x",
        vector=Q,
        target_vector=TargetVectors.sum(["a", "b"]),
        alpha=0.75,
        max_vector_distance=1.0,
        return_metadata=MetadataQuery(score=True),
    )
    assert {MT_IDS_REV(o): F32(o.metadata.score) for o in res.objects} == {"O3": F32(0.75), "O1": F32(0.25)}


def MT_IDS_REV(o) -> str:  # noqa: N802 - tiny helper
    return {v: k for k, v in MT_IDS.items()}[str(o.uuid)]


def test_near_object(corpus) -> None:
    res = corpus.query.near_object(IDS["A"], return_metadata=MetadataQuery(distance=True))
    got = [(k, o.metadata.distance) for k, o in _by_key(res.objects)]
    assert got[0] == ("A", 0.0) and [k for k, _ in got] == ["A", "B", "C"]
    with pytest.raises(WeaviateQueryError, match="does not exist"):
        corpus.query.near_object(uuid.UUID(int=12345))


def test_unsupported_search_features_are_query_errors(corpus) -> None:
    with pytest.raises(WeaviateQueryError, match="near_text needs a text2vec module"):
        corpus.query.near_text("hello")
    with pytest.raises(WeaviateQueryError, match="group_by is not supported"):
        corpus.query.near_vector(
            [1.0, 0.0], group_by=weaviate.classes.query.GroupBy(prop="title", number_of_groups=2, objects_per_group=1)
        )
