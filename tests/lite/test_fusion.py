"""Hybrid fusion against docs/lite-server.md §4.5/§4.6 test vectors and §9.9 (d)/(e)."""

import numpy as np
import pytest

from weaviate_recsys.lite.fusion import go_float_str, ranked_fusion, relative_score_fusion

f32 = np.float32
VEC, KW = "vector,hybridVector", "keyword,bm25"


def uuid_of(doc: int) -> str:
    return f"00000000-0000-0000-0000-{doc:012d}"


# §4.6: vector set 1−dist = [0.9, 0.7, 0.4] for docs 1,2,3; keyword [2.5, 1.0] for docs 2,4
SETS = [(VEC, 0.75, [(1, 0.9), (2, 0.7), (3, 0.4)]), (KW, 0.25, [(2, 2.5), (4, 1.0)])]


def test_relative_score_test_vector():
    hits = relative_score_fusion(SETS, uuid_of)
    assert [h.doc for h in hits] == [1, 2, 4, 3]  # doc4 before doc3: secondary 1.0 > 0.4
    # hand: q = (v − min)/(max − min) then float32(w)·q, all float32
    vec = {d: f32(0.75) * ((f32(v) - f32(0.4)) / (f32(0.9) - f32(0.4))) for d, v in SETS[0][2]}
    kw = {d: f32(0.25) * ((f32(v) - f32(1.0)) / (f32(2.5) - f32(1.0))) for d, v in SETS[1][2]}
    assert [f32(h.score) for h in hits] == [vec[1], f32(kw[2] + vec[2]), kw[4], vec[3]]
    assert [go_float_str(h.score) for h in hits] == ["0.75", "0.70000005", "0", "0"]


def test_relative_score_explain_strings():
    hits = {h.doc: h for h in relative_score_fusion(SETS, uuid_of)}
    u2 = uuid_of(2)
    assert hits[2].explain == (
        f"\nHybrid (Result Set keyword,bm25) Document {u2}: original score 2.5, normalized score: 0.25 - "
        f"\nHybrid (Result Set vector,hybridVector) Document {u2}: original score 0.7, normalized score: 0.45000002"
    )
    assert hits[1].explain == (
        f"\nHybrid (Result Set vector,hybridVector) Document {uuid_of(1)}: original score 0.9, normalized score: 0.75"
    )


def test_ranked_test_vector_and_explain():
    hits = ranked_fusion(SETS, uuid_of)
    assert [h.doc for h in hits] == [2, 1, 3, 4]
    assert [f32(h.score) for h in hits] == [
        f32(f32(0.75 / 61) + f32(0.25 / 60)),
        f32(0.75 / 60),
        f32(0.75 / 62),
        f32(0.25 / 61),
    ]
    assert [go_float_str(h.score) for h in hits] == ["0.016461749", "0.0125", "0.012096774", "0.0040983604"]
    u2 = uuid_of(2)
    assert hits[0].explain == (
        f"\nHybrid (Result Set vector,hybridVector) Document {u2} contributed 0.012295082 to the score"
        f"\nHybrid (Result Set keyword,bm25) Document {u2} contributed 0.004166667 to the score"
    )


def test_single_candidate_gets_full_weight_and_equal_values_too():
    hits = relative_score_fusion([(VEC, 0.7, [(5, 0.2)]), (KW, 0.3, [])], uuid_of)
    assert [(h.doc, h.score) for h in hits] == [(5, float(f32(0.7)))]
    hits = relative_score_fusion([(KW, 1.0, [(1, 3.0), (2, 3.0)])], uuid_of)
    assert [h.score for h in hits] == [1.0, 1.0] and [h.doc for h in hits] == [1, 2]  # uuid order


def test_alpha_zero_keyword_only():
    hits = relative_score_fusion([(KW, 1.0, [(7, 4.0), (8, 2.0), (9, 1.0)])], uuid_of)
    assert [(h.doc, h.score) for h in hits] == [(7, 1.0), (8, float(f32(1) * ((f32(2) - f32(1)) / f32(3)))), (9, 0.0)]
    ranked = ranked_fusion([(KW, 1.0, [(7, 4.0), (8, 2.0)])], uuid_of)
    assert [h.score for h in ranked] == [float(f32(1 / 60)), float(f32(1 / 61))]


def test_near_ties_use_secondary_then_uuid():
    # scores 1e-8 apart are "equal" ((Δ)² < 1e-14): the larger secondary value wins
    a = (VEC, 1.0, [(1, 1.0), (2, 0.0)])
    hits = relative_score_fusion([a, (KW, 1.0, [(2, 5.0), (1, 4.0), (3, 4.0 + 1e-6)])], uuid_of)
    # doc1: 1 + 0 = 1 (secondary 4.0); doc2: 0 + 1 = 1 (secondary 5.0) -> doc2 first
    assert [h.doc for h in hits][:2] == [2, 1]
    # A scores one float32 ulp above B (Δ² ≈ 3.6e-15 < 1e-14), but B's secondary value is larger
    vec = (VEC, 0.5, [(10, 1.0), (11, 0.0)])
    kw = (KW, 0.5, [(11, 10.0), (10, 1e-6), (12, 0.0)])
    near = relative_score_fusion([vec, kw], uuid_of)
    scores = {h.doc: h.score for h in near}
    assert 0 < scores[10] - scores[11] < 1e-7
    assert [h.doc for h in near] == [11, 10, 12]


def test_multi_target_hybrid_worked_example_d_and_e():
    # §9.9 (d): vector leg values 1 − D for O3, O1, O2 with sum combination
    leg = [(3, float(f32(1) - f32(0.3125))), (1, float(f32(1) - f32(1.0))), (2, float(f32(1) - f32(1.25)))]
    hits = relative_score_fusion([("vector,nearVector", 1.0, leg)], uuid_of)
    assert [(h.doc, go_float_str(h.score)) for h in hits] == [(3, "1"), (1, "0.26666668"), (2, "0")]
    assert hits[1].explain == (
        f"\nHybrid (Result Set vector,nearVector) Document {uuid_of(1)}: original score 0, normalized score: 0.26666668"
    )
    # (e): alpha 0.75 with keyword scores O2 2.0, O1 1.5, O5 1.0
    kw = [(2, 2.0), (1, 1.5), (5, 1.0)]
    hits = relative_score_fusion([("vector,nearVector", 0.75, leg), (KW, 0.25, kw)], uuid_of)
    assert [(h.doc, go_float_str(h.score)) for h in hits] == [(3, "0.75"), (1, "0.32500002"), (2, "0.25"), (5, "0")]
    # with max_vector_distance=1.0 the legs are cut to {O3, O1} and {O1}
    hits = relative_score_fusion([("vector,nearVector", 0.75, leg[:2]), (KW, 0.25, [(1, 1.5)])], uuid_of)
    assert [(h.doc, go_float_str(h.score)) for h in hits] == [(3, "0.75"), (1, "0.25")]


@pytest.mark.parametrize(
    "value,text",
    [
        (0.5, "0.5"),
        (1.0, "1"),
        (0.0, "0"),
        (-0.0, "-0"),
        (2.5, "2.5"),
        (0.7, "0.7"),
        (0.70000005, "0.70000005"),
        (1e-05, "1e-05"),
        (0.0001, "0.0001"),
        (1.5e-07, "1.5e-07"),
        (123456.0, "123456"),
        (1234567.0, "1.234567e+06"),
        (1e6, "1e+06"),
        (-3.25, "-3.25"),
        (1e20, "1e+20"),
        (0.1, "0.1"),
        (1 / 3, "0.33333334"),
        (16777217.0, "1.6777216e+07"),
        (float("inf"), "+Inf"),
        (float("-inf"), "-Inf"),
        (float("nan"), "NaN"),
    ],
)
def test_go_float_formatting(value, text):
    assert go_float_str(value) == text


def _explained(hits):
    return [(h.doc, h.score, h.secondary, h.explain) for h in hits]


@pytest.mark.parametrize("seed", range(40))
def test_top_k_fusion_equals_full_fusion_prefix(seed):
    """The vectorised hybrid path gives exactly the first k hits of the full fusion: scores, order
    (ties by secondary value then uuid, near ties by §4.5's comparator) and explain strings."""
    from weaviate_recsys.lite.fusion import relative_score_fusion_top

    rng = np.random.default_rng(seed)
    n_sets = 1 + seed % 3
    sets = []
    for s in range(n_sets):
        n = int(rng.integers(0, 60))
        docs = rng.choice(90, size=n, replace=False).tolist()
        if seed % 4 == 0:
            vals = rng.integers(0, 4, size=n) / 4.0  # many exact ties
        elif seed % 4 == 1:
            vals = 0.5 + rng.integers(0, 3, size=n) * 3e-8  # near ties (distinct, < 1e-7 apart)
        else:
            vals = rng.random(n)
        entries = [(d, float(np.float32(v))) for d, v in zip(docs, vals)]
        sets.append((f"set{s}", [0.75, 0.25, 0.5][s], entries))
    if seed % 10 == 9 and sets[0][2]:
        sets[0][2].append(sets[0][2][0])  # a doc twice in one set

    def scrambled(doc: int) -> str:  # uuid order unrelated to doc order
        return f"00000000-0000-0000-0000-{(doc * 7919) % 1000:012d}"

    full = relative_score_fusion(sets, scrambled)
    for k in (1, 5, 10, 25, 200):
        assert _explained(relative_score_fusion_top(sets, scrambled, k)) == _explained(full[:k])


@pytest.mark.parametrize(
    "value, text",
    [
        (0.7, "0.7"),
        (0.70000005, "0.70000005"),
        (1e-05, "1e-05"),
        (0.0001, "0.0001"),
        (123456.0, "123456"),
        (1234567.0, "1.234567e+06"),
        (1e6, "1e+06"),
        (100.0, "100"),
        (-2.5, "-2.5"),
        (3.4028235e38, "3.4028235e+38"),
        (1.4e-45, "1e-45"),
        (float("inf"), "+Inf"),
        (float("-inf"), "-Inf"),
        (float("nan"), "NaN"),
        (-0.0, "-0"),
    ],
)
def test_go_float_str_matches_go_formatting_of_float32(value, text) -> None:
    assert go_float_str(value) == text


@pytest.mark.parametrize("seed", range(24))
def test_legs_handed_over_as_arrays_fuse_exactly_like_lists(seed):
    """Hybrid hands its legs to the fusion as arrays (doc ids, float32 values): the same hits, scores and
    explain strings as the lists of (doc, value) pairs they stand for, whatever the spread of doc ids."""
    from weaviate_recsys.lite.fusion import LegArrays, relative_score_fusion_top

    rng = np.random.default_rng(seed)
    top_doc = [90, 5000, 10**7][seed % 3]  # dense ids, sparse ids, ids far above their count
    sets = []
    for s in range(1 + seed % 2 + 1):
        n = int(rng.integers(0, 50))
        docs = rng.choice(top_doc, size=min(n, top_doc), replace=False)
        vals = (rng.integers(0, 4, size=len(docs)) / 4.0) if seed % 4 == 0 else rng.random(len(docs))
        sets.append((f"set{s}", [0.75, 0.25, 0.5][s], docs, vals.astype(np.float32)))
    as_lists = [(name, w, list(zip(d.tolist(), v.astype(np.float64).tolist()))) for name, w, d, v in sets]
    as_arrays = [(name, w, LegArrays(d, v)) for name, w, d, v in sets]

    def uuid_of(doc: int) -> str:
        return f"00000000-0000-0000-0000-{(doc * 7919) % 10**12:012d}"

    for k in (1, 10, 200):
        assert _explained(relative_score_fusion_top(as_arrays, uuid_of, k)) == _explained(
            relative_score_fusion(as_lists, uuid_of)[:k]
        )
    assert _explained(ranked_fusion(as_arrays, uuid_of)) == _explained(ranked_fusion(as_lists, uuid_of))
