"""Vector distances, exact search and multi-target combination (docs/lite-server.md §6, §9)."""

import math
import uuid

import numpy as np
import pytest

from weaviate_recsys.lite.vectors import (
    VectorIndex,
    build_search_pairs,
    certainty_from_distance,
    distance_from_certainty,
    multi_target_search,
    normalize,
)

f32 = np.float32


def uuid_of(doc: int) -> str:
    return str(uuid.UUID(int=doc + 1))


def go_normalize(v):
    """distancer.Normalize: sequential float32 sum of squares, sqrt in float64, float32 divide."""
    v = [f32(x) for x in v]
    norm = f32(0)
    for x in v:
        norm = f32(norm + f32(x * x))
    norm = f32(math.sqrt(float(norm)))
    return [f32(x / norm) for x in v]


def seq_dot(a, b):
    acc = f32(0)
    for x, y in zip(a, b):
        acc = f32(acc + f32(f32(x) * f32(y)))
    return acc


def test_cosine_distance_matches_hand_computation():
    ix = VectorIndex("cosine")
    a, q = [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]
    ix.add(0, a)
    expected = f32(f32(1) - seq_dot(go_normalize(a), go_normalize(q)))
    assert f32(ix.distance_to(0, q)) == expected
    assert expected == pytest.approx(1 - 10 / 14, abs=1e-6)
    assert ix.search(q, 5) == [(0, float(expected))]


def test_cosine_edge_values():
    ix = VectorIndex()  # cosine is the default
    ix.add(0, [0.3, 0.4])
    ix.add(1, [-0.3, -0.4])
    ix.add(2, [0.0, 0.0])  # a zero vector stays zero after normalising
    ix.add(3, [-4.0, 3.0])
    assert ix.distance_to(0, [3.0, 4.0]) == 0.0  # never negative (clamp)
    assert ix.distance_to(1, [3.0, 4.0]) == pytest.approx(2.0, abs=1e-6)
    assert ix.distance_to(2, [3.0, 4.0]) == 1.0
    assert ix.distance_to(3, [3.0, 4.0]) == pytest.approx(1.0, abs=1e-7)
    order = [d for d, _ in ix.search([3.0, 4.0], 10)]
    assert order[0] == 0 and order[-1] == 1 and sorted(order) == [0, 1, 2, 3]


def test_normalize_matches_go():
    v = np.array([0.1, 0.7, -2.5, 3.3], dtype=np.float32)
    assert normalize(v).tolist() == [float(x) for x in go_normalize(v)]
    assert normalize(np.zeros(3, dtype=np.float32)).tolist() == [0.0, 0.0, 0.0]


def test_dot_l2_manhattan_hamming():
    a, q = [1.0, -2.0, 0.5], [2.0, 1.0, 0.5]
    dot = VectorIndex("dot")
    dot.add(0, a)
    assert dot.distance_to(0, q) == -(1 * 2 + (-2) * 1 + 0.5 * 0.5)
    l2 = VectorIndex("l2-squared")
    l2.add(0, a)
    assert l2.distance_to(0, q) == (1 - 2) ** 2 + (-2 - 1) ** 2 + 0.0  # no square root
    man = VectorIndex("manhattan")
    man.add(0, a)
    assert man.distance_to(0, q) == 1 + 3 + 0
    ham = VectorIndex("hamming")
    ham.add(0, a)
    assert ham.distance_to(0, q) == 2


def test_certainty_conversions():
    assert certainty_from_distance(0.0) == 1.0
    assert certainty_from_distance(0.5) == 0.75
    assert certainty_from_distance(2.0) == 0.0
    assert distance_from_certainty(0.75) == 0.5


def test_add_validation_messages():
    ix = VectorIndex()
    ix.add(0, [1.0, 2.0, 3.0])
    assert ix.dim == 3
    with pytest.raises(
        ValueError,
        match=r"new node has a vector with length 2\. Existing nodes have vectors "
        r"with length 3: vector dimensions do not match the index dimensions",
    ):
        ix.add(1, [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN or infinite"):
        ix.add(1, [1.0, float("nan"), 0.0])
    with pytest.raises(ValueError, match="NaN or infinite"):
        ix.add(1, [1.0, float("inf"), 0.0])
    with pytest.raises(ValueError, match="empty"):
        ix.add(1, [])
    assert len(ix) == 1 and not ix.has(1)


def test_query_dimension_mismatch_and_empty_index():
    assert VectorIndex().search([1.0, 2.0], 5) == []  # empty: no error (§9.8)
    ix = VectorIndex("l2-squared")
    ix.add(0, [1.0, 2.0, 3.0])
    with pytest.raises(
        ValueError, match="distance between entrypoint and query node: 3 vs 2: vector lengths don't match"
    ):
        ix.search([1.0, 2.0], 5)


def test_remove_replace_get_and_swap():
    ix = VectorIndex("l2-squared")
    for doc in range(10):
        ix.add(doc, [float(doc), 0.0])
    ix.remove(3)
    ix.remove(0)
    ix.remove(42)  # unknown: no-op
    ix.add(5, [100.0, 0.0])  # replace keeps one row
    assert len(ix) == 8
    assert not ix.has(3) and ix.get(3) is None
    assert ix.get(5).tolist() == [100.0, 0.0]
    assert ix.get(9).tolist() == [9.0, 0.0]
    got = ix.search([0.0, 0.0], 20)
    assert [d for d, _ in got] == [1, 2, 4, 6, 7, 8, 9, 5]
    assert [x for _, x in got] == [1.0, 4.0, 16.0, 36.0, 49.0, 64.0, 81.0, 10000.0]


def test_distances_follow_removals_and_additions():
    """The doc -> row lookup is rebuilt after writes (a removal moves the last row into the hole)."""
    ix = VectorIndex("l2-squared")
    for doc in range(4):
        ix.add(doc, [float(doc)])
    d, present = ix.distances([0, 3, 7], [0.0])
    assert d.tolist()[:2] == [0.0, 9.0] and present.tolist() == [True, True, False]
    ix.remove(0)  # doc 3 moves to row 0
    ix.add(7, [10.0])
    d, present = ix.distances([0, 3, 7], [0.0])
    assert present.tolist() == [False, True, True] and d.tolist()[1:] == [9.0, 100.0]
    mask = np.ones(8, dtype=bool)
    assert [doc for doc, _ in ix.search([0.0], 10, allow=mask)] == [1, 2, 3, 7]


def test_allow_as_set_and_mask_and_max_distance():
    ix = VectorIndex("l2-squared")
    for doc in range(6):
        ix.add(doc, [float(doc)])
    assert ix.search([0.0], 10, allow={1, 4, 99}) == [(1, 1.0), (4, 16.0)]
    mask = np.zeros(4, dtype=bool)
    mask[[0, 3]] = True  # shorter than the doc range: docs beyond it are not allowed
    assert ix.search([0.0], 10, allow=mask) == [(0, 0.0), (3, 9.0)]
    assert ix.search([0.0], 10, allow=set()) == []
    # distance=x keeps d <= x with 1e-6 tolerance (§6)
    assert [d for d, _ in ix.search([0.0], 10, max_distance=4.0)] == [0, 1, 2]
    assert [d for d, _ in ix.search([0.0], 10, max_distance=3.9999995)] == [0, 1, 2]
    assert [d for d, _ in ix.search([0.0], 10, max_distance=3.99)] == [0, 1]


def test_ties_ordered_by_doc_id():
    ix = VectorIndex("dot")
    for doc in (5, 2, 9, 1):
        ix.add(doc, [1.0, 1.0])
    assert [d for d, _ in ix.search([1.0, 0.0], 10)] == [1, 2, 5, 9]
    assert [d for d, _ in ix.search([1.0, 0.0], 2)] == [1, 2]


@pytest.mark.parametrize("allowed", [40, 150, 500, 700, 3000])
def test_tied_distances_at_the_cut_keep_the_lower_doc_ids(allowed):
    """Few candidates or many, the k nearest are the first k by (distance, doc id)."""
    rng = np.random.default_rng(allowed)
    ix = VectorIndex("dot")
    for doc in rng.permutation(3000).tolist():
        ix.add(doc, [float(rng.integers(0, 20)), 1.0])  # 20 distinct distances: ties everywhere
    allow = np.zeros(3000, dtype=bool)
    allow[rng.choice(3000, allowed, replace=False)] = True
    got = ix.search([1.0, 0.0], 100, allow)
    want = sorted((-f32(ix.get(d)[0]), d) for d in np.flatnonzero(allow).tolist())[:100]
    assert [(d, dist) for dist, d in want] == got


@pytest.mark.parametrize("metric", ["cosine", "dot", "l2-squared"])
def test_exact_search_matches_brute_force(metric):
    rng = np.random.default_rng(1)
    data = rng.normal(size=(6000, 24)).astype(np.float32)
    data[100] = data[50]  # exact duplicate
    ix = VectorIndex(metric)
    for doc, v in enumerate(data):
        ix.add(doc, v)
    for doc in range(0, 6000, 7):
        ix.remove(doc)
    live = np.array([d for d in range(6000) if d % 7])
    q = data[50] + np.float32(0.001)
    if metric == "cosine":
        ref = 1 - (data[live] / np.linalg.norm(data[live], axis=1, keepdims=True)) @ (q / np.linalg.norm(q))
    elif metric == "dot":
        ref = -(data[live].astype(np.float64) @ q)
    else:
        ref = ((data[live].astype(np.float64) - q) ** 2).sum(axis=1)
    expected = live[np.argsort(ref, kind="stable")[:20]]
    got = ix.search(q, 20)
    assert [d for d, _ in got] == expected.tolist()
    got_allowed = ix.search(q, 20, allow=set(live[::3].tolist()))
    ref_allowed = [d for d in expected.tolist() if d in set(live[::3].tolist())]
    assert [d for d, _ in got_allowed][: len(ref_allowed)] == ref_allowed
    if metric == "l2-squared":
        # distances are the direct Σ(a−q)², accumulated sequentially in float32, not the expanded form
        for doc, dist in got[:3]:
            acc = f32(0)
            for x, y in zip(data[doc], q):
                acc = f32(acc + f32(f32(x - y) * f32(x - y)))
            assert dist == float(acc)


# ---------------------------------------------------------------- multi-target, §9.9
@pytest.fixture
def mt():
    a, b = VectorIndex("l2-squared"), VectorIndex("l2-squared")
    for doc, v in {1: [1, 0], 2: [0, 0], 3: [1.5, 0], 4: [1, 0.125]}.items():
        a.add(doc, v)
    for doc, v in {1: [1, 1], 2: [0, 1.5], 3: [0, 0.75], 5: [0, 2]}.items():
        b.add(doc, v)
    return {"a": a, "b": b}


QA, QB = np.array([1, 0], dtype=np.float32), np.array([0, 1], dtype=np.float32)


def pairs(wa=1.0, wb=1.0):
    return [("a", QA, wa), ("b", QB, wb)]


def test_worked_example_minimum(mt):
    expected = [(1, 0.0), (4, 0.015625), (3, 0.0625), (2, 0.25), (5, 1.0)]
    assert multi_target_search(mt, pairs(), "min", 10, uuid_of=uuid_of) == expected
    assert multi_target_search(mt, pairs(), 0, 10, uuid_of=uuid_of) == expected  # UNSPECIFIED
    assert multi_target_search(mt, pairs(), "min", 1, uuid_of=uuid_of) == [(1, 0.0)]


def test_worked_example_sum_average_manual(mt):
    assert multi_target_search(mt, pairs(), "sum", 10, uuid_of=uuid_of) == [(3, 0.3125), (1, 1.0), (2, 1.25)]
    assert multi_target_search(mt, pairs(), "average", 10, uuid_of=uuid_of) == [(3, 0.15625), (1, 0.5), (2, 0.625)]
    # hand: 0.75·d_a + 0.25·d_b
    assert multi_target_search(mt, pairs(0.75, 0.25), "manual", 10, uuid_of=uuid_of) == [
        (3, 0.75 * 0.25 + 0.25 * 0.0625),
        (1, 0.75 * 0 + 0.25 * 1),
        (2, 0.75 * 1 + 0.25 * 0.25),
    ]
    assert multi_target_search(mt, pairs(), "sum", 1, uuid_of=uuid_of) == [(3, 0.3125)]


def test_worked_example_relative_score(mt):
    got = multi_target_search(mt, pairs(0.75, 0.25), "relative_score", 10, uuid_of=uuid_of)
    # target a: lo 0, hi 1; target b: lo 0.0625, hi 1 (O4/O5 dropped before normalising)
    n_b = {
        1: f32(0.25) * ((f32(1) - f32(0.0625)) / f32(0.9375)),
        2: f32(0.25) * ((f32(0.25) - f32(0.0625)) / f32(0.9375)),
        3: f32(0),
    }
    n_a = {1: f32(0), 2: f32(0.75), 3: f32(0.75) * f32(0.25)}
    expected = sorted(((d, float(n_b[d] + n_a[d])) for d in (1, 2, 3)), key=lambda x: x[1])
    assert got == expected
    assert [d for d, _ in got] == [3, 1, 2] and got[2][1] == float(f32(0.8))
    # limit 1: the pool is {O1, O3}, so O1 scores 0.25 and wins (§9.9 c)
    assert multi_target_search(mt, pairs(0.75, 0.25), "relative_score", 1, uuid_of=uuid_of) == [(1, 0.25)]


def test_threshold_rules(mt):
    assert multi_target_search(mt, pairs(), "sum", 10, max_distance=1.0) == [(3, 0.3125), (1, 1.0)]
    assert multi_target_search(mt, pairs(), "sum", 10, max_distance=0.9999999) == [(3, 0.3125)]
    rel = multi_target_search(mt, pairs(0.75, 0.25), "relative_score", 10, max_distance=0.25)
    assert [d for d, _ in rel] == [3, 1]


def test_single_pair_is_plain_search(mt):
    assert multi_target_search(mt, [("a", QA, 0.5)], "manual", 10) == mt["a"].search(QA, 10)


def test_filter_is_shared_by_every_pair(mt):
    got = multi_target_search(mt, pairs(), "sum", 10, allow={1, 2, 5})
    assert got == [(1, 1.0), (2, 1.25)]


def test_unknown_combination_and_target(mt):
    with pytest.raises(ValueError, match="unknown combination method 9"):
        multi_target_search(mt, pairs(), 9, 10)
    with pytest.raises(ValueError, match="unknown combination method median"):
        multi_target_search(mt, pairs(), "median", 10)
    with pytest.raises(ValueError, match="target vector c not found"):
        multi_target_search(mt, [("c", QA, 1.0), ("a", QA, 1.0)], "sum", 10)


def test_dimension_mismatch_in_one_pair(mt):
    with pytest.raises(ValueError, match="vector lengths don't match"):
        multi_target_search(mt, [("a", QA, 1.0), ("b", np.ones(3, dtype=np.float32), 1.0)], "sum", 10)


def test_build_pairs_single_vector_and_weights():
    got, combo = build_search_pairs("C", ["a", "b"], ["a", "b"], 3, vector=[1.0, 0.0])
    assert combo == "average"
    assert [(t, w) for t, _, w in got] == [("a", 0.5), ("b", 0.5)]
    got, combo = build_search_pairs("C", ["a", "b"], ["a", "b"], 5, weights=[("a", 0.7), ("b", 0.3)], vector=[1.0])
    assert combo == "manual" and [w for _, _, w in got] == [float(f32(0.7)), float(f32(0.3))]
    got, _ = build_search_pairs("C", ["only"], [], 0, vector=[1.0])
    assert [t for t, _, _ in got] == ["only"]


def test_build_pairs_flattens_several_query_vectors():
    va, va2, vb = [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]
    got, combo = build_search_pairs(
        "C", ["a", "b"], ["a", "b"], "average", vectors_for_targets=[("a", [va, va2]), ("b", [vb])]
    )
    assert [t for t, _, _ in got] == ["a", "a", "b"]
    assert [w for _, _, w in got] == [float(f32(1 / 3))] * 3  # float32(1/N), N = query vectors
    got, _ = build_search_pairs(
        "C",
        ["a", "b"],
        ["a", "a", "b"],
        "manual",
        weights=[("a", 0.5), ("a", 0.2), ("b", 0.3)],
        vectors_for_targets=[("a", [va, va2]), ("b", [vb])],
    )
    assert [w for _, _, w in got] == [float(f32(0.5)), float(f32(0.2)), float(f32(0.3))]


def test_build_pairs_errors():
    with pytest.raises(
        ValueError, match="^extract target vectors: class C has multiple vectors, but no target vectors were provided$"
    ):
        build_search_pairs("C", ["a", "b"], [], 0, vector=[1.0])
    with pytest.raises(
        ValueError,
        match=r"^extract target vectors: class C does not have named vector x configured\. Available named vectors \[a b\]$",
    ):
        build_search_pairs("C", ["a", "b"], ["a", "x"], 1, vector=[1.0])
    with pytest.raises(
        ValueError, match=r"^extract target vectors: number of weights \(1\) does not match number of targets \(2\)$"
    ):
        build_search_pairs("C", ["a", "b"], ["a", "b"], 5, weights=[("a", 1.0)], vector=[1.0])
    with pytest.raises(ValueError, match="^extract target vectors: target vector b not found in target vectors$"):
        build_search_pairs("C", ["a", "b"], ["a", "b"], 4, weights=[("b", 1.0), ("a", 1.0)], vector=[1.0])
    with pytest.raises(ValueError, match="^extract target vectors: unknown combination method 7$"):
        build_search_pairs("C", ["a", "b"], ["a", "b"], 7, vector=[1.0])
    with pytest.raises(
        ValueError, match="^near_vector: vector for target must have the same lengths as target vectors$"
    ):
        build_search_pairs("C", ["a", "b"], ["a", "b"], 1, vectors_for_targets=[("a", [[1.0]])])
    with pytest.raises(ValueError, match="^near_vector: vector for target a is required"):
        build_search_pairs("C", ["a", "b"], ["a", "b"], 1, vectors_for_targets=[("b", [[1.0]]), ("a", [[1.0]])])
    two_a = [("a", [[1.0], [2.0]]), ("b", [[1.0]])]
    with pytest.raises(ValueError, match="number of weights in join does not match number of results"):
        build_search_pairs("C", ["a", "b"], ["a", "b"], 5, weights=[("a", 0.5), ("b", 0.3)], vectors_for_targets=two_a)
    with pytest.raises(ValueError, match=r"index out of range \[2\] with length 2"):
        build_search_pairs("C", ["a", "b"], ["a", "b"], 4, weights=[("a", 0.5), ("b", 0.3)], vectors_for_targets=two_a)
