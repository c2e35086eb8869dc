"""SASRec as an evaluation baseline: it learns sequential patterns, is reproducible, and never costs
torch to commands that do not select it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from weaviate_recsys.eval.data import build_eval_data
from weaviate_recsys.eval.harness import EvaluationReport, evaluate
from weaviate_recsys.eval.methods import MostPopular
from weaviate_recsys.eval.registry import resolve_methods
from weaviate_recsys.eval.sasrec import SASRec, SASRecConfig
from weaviate_recsys.eval.split import Split, split_data

pytest.importorskip("torch")

N_ITEMS = 60
#: Small and fast, but the model of the paper: causal self-attention blocks over item + position embeddings.
FAST = SASRecConfig(hidden=32, max_len=12, dropout=0.1, lr=1e-2, epochs=12, eval_every=4, validation_users=None)


def chain_split(users: int = 160, seed: int = 1) -> Split:
    """Every user walks the catalog in order from a random start: item i is always followed by item i + 1."""
    rng = np.random.default_rng(seed)
    items = [{"item_id": f"i{n}"} for n in range(N_ITEMS)]
    rows = []
    for u in range(users):
        start, length = int(rng.integers(0, N_ITEMS)), int(rng.integers(5, 10))
        rows += [{"user_id": f"u{u}", "item_id": f"i{(start + s) % N_ITEMS}", "seq": s} for s in range(length)]
    return split_data(build_eval_data("chain", items, rows), "leave-last:1")


@pytest.fixture(scope="module")
def split() -> Split:
    return chain_split()


@pytest.fixture(scope="module")
def evaluated(split: Split) -> tuple[EvaluationReport, SASRec]:
    """One evaluation of SASRec beside most-popular; the method stays fitted for the other tests."""
    sasrec = SASRec(FAST)
    return evaluate(split, [MostPopular(), sasrec], [10]), sasrec


@pytest.fixture(scope="module")
def fitted(evaluated: tuple[EvaluationReport, SASRec]) -> SASRec:
    return evaluated[1]


def test_sasrec_learns_that_each_item_is_followed_by_the_next(evaluated: tuple[EvaluationReport, SASRec]) -> None:
    report, sasrec = evaluated
    popular_hr = report.methods["most-popular"].overall["hr@10"]
    sasrec_hr = report.methods["sasrec"].overall["hr@10"]
    assert popular_hr is not None and sasrec_hr is not None
    assert sasrec_hr >= 0.6 and sasrec_hr >= 3 * popular_hr
    assert sasrec.training_log["best_epoch"] >= 1 and sasrec.training_log["validation_ndcg@10"] > 0.2


def test_sasrec_never_recommends_a_training_item(split: Split, fitted: SASRec) -> None:
    users = split.users
    lists = fitted.recommend(users, N_ITEMS)
    for user, recommended in zip(users, lists):
        seen = {split.training.item_ids[i] for i in split.training.histories[user]}
        assert not seen & set(recommended)
        assert len(recommended) == N_ITEMS - len(seen)


def test_the_same_seed_trains_the_same_model_and_another_seed_does_not(split: Split) -> None:
    config = FAST.model_copy(update={"epochs": 2, "eval_every": 1})
    rows = np.arange(20)
    first = SASRec(config).fit(split.training).score_users(rows)
    again = SASRec(config).fit(split.training).score_users(rows)
    other = SASRec(config.model_copy(update={"seed": 7})).fit(split.training).score_users(rows)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_training_stops_when_validation_stops_improving(split: Split) -> None:
    # A learning rate this small cannot improve the validation NDCG measurably between two checks.
    config = FAST.model_copy(update={"lr": 1e-9, "epochs": 50, "eval_every": 1, "patience": 2})
    log = SASRec(config).fit(split.training).training_log
    assert log["stopped_by"] == "patience" and log["epochs"] < 50


def test_sasrec_is_selectable_by_name_but_not_in_the_default_set() -> None:
    assert [spec.name for spec in resolve_methods(["sasrec"])] == ["sasrec"]
    assert "sasrec" not in [spec.name for spec in resolve_methods(None)]


def test_an_evaluation_without_sasrec_never_imports_torch(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text("".join(f'{{"item_id": "i{n}"}}\n' for n in range(5)))
    rows = tmp_path / "interactions.jsonl"
    rows.write_text(
        "".join(f'{{"user_id": "u{u}", "item_id": "i{(u + s) % 5}", "seq": {s}}}\n' for u in range(4) for s in range(3))
    )
    script = textwrap.dedent(f"""
        import sys
        from weaviate_recsys.eval import EvaluationConfig, available_methods, run_evaluation
        from weaviate_recsys.eval.registry import resolve_methods
        assert "sasrec" in available_methods()
        run_evaluation(EvaluationConfig(items={str(items)!r}, interactions=[{str(rows)!r}],
                                        methods=["most-popular", "item-knn", "ease"]))
        print("torch" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
