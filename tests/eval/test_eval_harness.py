"""The harness: same candidates for every method, slices, tuning on validation, the report contract."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest

from weaviate_recsys.errors import EvaluationError
from weaviate_recsys.eval.data import build_eval_data
from weaviate_recsys.eval.harness import evaluate, tune_on_validation
from weaviate_recsys.eval.methods import Method, MostPopular
from weaviate_recsys.eval.metrics import METRIC_NAMES
from weaviate_recsys.eval.report import markdown_report, write_report
from weaviate_recsys.eval.split import Split, TrainingSet, split_data


class Scripted(Method):
    """Recommends a fixed list per user (ids), to check what the harness does with it."""

    def __init__(self, name: str, lists: dict[str, list[str]]) -> None:
        self.name = name
        self.lists = lists
        self.fitted_on: TrainingSet | None = None

    def fit(self, training: TrainingSet) -> Scripted:
        self.fitted_on = training
        return self

    def recommend(self, users: Sequence[str], k: int) -> list[list[str]]:
        return [self.lists.get(u, [])[:k] for u in users]


@pytest.fixture()
def split() -> Split:
    items = [{"item_id": f"i{n}"} for n in range(8)]
    histories = {
        "cold": ["i0", "i5", "i2"],  # 2 training items: a cold user; test item i2
        "warm": ["i0", "i1", "i2", "i3", "i5"],  # 4 training items; test item i5
        "new": ["i0", "i1", "i2", "i3", "i7"],  # test item i7 appears nowhere in training: a cold item
    }
    rows = [{"user_id": u, "item_id": item, "seq": s} for u, h in histories.items() for s, item in enumerate(h)]
    return split_data(build_eval_data("tiny", items, rows), "leave-last:1")


def test_the_test_items_score_one_and_training_items_are_dropped(split: Split) -> None:
    oracle = Scripted("oracle", {"cold": ["i0", "i2"], "warm": ["i1", "i5"], "new": ["i7"]})
    report = evaluate(split, [oracle], [1, 5])
    result = report.methods["oracle"]
    assert oracle.fitted_on is split.training
    assert result.overall["hr@1"] == 1.0 and result.overall["ndcg@5"] == 1.0
    assert result.filtered == 2  # i0 for "cold", i1 for "warm": their own training items
    assert report.users == {"overall": 3, "cold_users": 1, "cold_items": 1}
    assert result.cold_items["hr@1"] == 1.0


def test_slices_only_count_their_users_and_items(split: Split) -> None:
    # Only "warm" gets its test item: overall HR 1/3; no cold user or cold item is hit.
    method = Scripted("one", {"warm": ["i5"], "cold": ["i6"], "new": ["i6"]})
    report = evaluate(split, [method], [5])
    assert report.methods["one"].overall["hr@5"] == pytest.approx(1 / 3)
    assert report.methods["one"].cold_users["hr@5"] == 0.0
    assert report.methods["one"].cold_items["hr@5"] == 0.0
    # Coverage over the 8-item catalog: the union {i5, i6}.
    assert report.methods["one"].overall["coverage@5"] == pytest.approx(2 / 8)


def test_progress_reaches_every_user_of_every_method(split: Split) -> None:
    calls: list[tuple[int, int | None]] = []
    evaluate(split, [MostPopular(), Scripted("x", {})], [5], progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (0, 6) and calls[-1] == (6, 6)


def test_duplicate_method_names_are_refused(split: Split) -> None:
    with pytest.raises(EvaluationError, match="distinct"):
        evaluate(split, [MostPopular(), MostPopular()], [5])


def test_a_method_that_skips_users_is_an_error(split: Split) -> None:
    class Lazy(Scripted):
        def recommend(self, users: Sequence[str], k: int) -> list[list[str]]:
            return []

    with pytest.raises(EvaluationError, match="every user"):
        evaluate(split, [Lazy("lazy", {})], [5])


def test_tuning_looks_at_the_validation_split_only(split: Split) -> None:
    # Validation holds out each user's last training item: "cold" -> i5, "warm" -> i3, "new" -> i3.
    # The test items (i2, i5, i7) must not matter.
    on_validation = {"cold": ["i5"], "warm": ["i3"], "new": ["i3"]}
    on_test = {"cold": ["i2"], "warm": ["i5"], "new": ["i7"]}
    best, scores = tune_on_validation(
        split, lambda v: Scripted(v, on_validation if v == "val" else on_test), ["test", "val"], metric="ndcg@5"
    )
    assert best == "val"
    assert scores == {"test": 0.0, "val": 1.0}


def test_report_files_follow_the_contract(split: Split, tmp_path) -> None:
    vectors = np.eye(8, dtype=np.float32)
    report = evaluate(
        split, [MostPopular(), Scripted("oracle", {"warm": ["i5"]})], [5, 10], dataset="tiny", item_vectors=vectors
    )
    paths = write_report(report, tmp_path / "out", command="weaviate-recsys eval ...")
    contract = json.loads((tmp_path / "out" / "report.json").read_text())
    assert set(contract) == {"dataset", "split", "k", "methods"}
    assert contract["split"] == "leave-last:1" and contract["k"] == [5, 10]
    assert set(contract["methods"]["most-popular"]) == {"overall", "cold_users", "cold_items"}
    assert set(contract["methods"]["oracle"]["overall"]) == {f"{name}@{k}" for name in METRIC_NAMES for k in (5, 10)}
    # Orthogonal item vectors: every list of two or more items has diversity 1.
    assert contract["methods"]["most-popular"]["overall"]["diversity@5"] == pytest.approx(1.0)
    for png in ("metrics.png", "ndcg_by_history.png"):
        assert (tmp_path / "out" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(paths) == 5
    text = markdown_report(report)
    assert "| most-popular |" in text and "## Cold users @5" in text
