"""Chronological splits: order rules, no leakage, validation carved from training."""

from __future__ import annotations

import pytest

from weaviate_recsys.errors import ConfigurationError, EvaluationError
from weaviate_recsys.eval.data import PositivePolicy, build_eval_data
from weaviate_recsys.eval.split import SplitSpec, split_data, validation_split

ITEMS = [{"item_id": f"i{n}", "title": f"Item {n}"} for n in range(10)]


def ids(split, indices):
    return [split.training.item_ids[i] for i in indices]


def make_data(rows, users=(), policy=None):
    return build_eval_data("synthetic", ITEMS, rows, users, policy)


def test_leave_last_uses_timestamps_not_file_order() -> None:
    rows = [
        {"user_id": "a", "item_id": "i3", "timestamp": 30},
        {"user_id": "a", "item_id": "i1", "timestamp": 10},
        {"user_id": "a", "item_id": "i2", "timestamp": 20},
    ]
    split = split_data(make_data(rows), "leave-last:1")
    assert ids(split, split.training.histories["a"]) == ["i1", "i2"]
    assert ids(split, split.test["a"]) == ["i3"]


def test_seq_orders_when_there_are_no_timestamps_and_file_order_otherwise() -> None:
    rows = [
        {"user_id": "b", "item_id": "i5", "seq": 2},
        {"user_id": "b", "item_id": "i4", "seq": 1},
        {"user_id": "c", "item_id": "i7"},
        {"user_id": "c", "item_id": "i6"},
    ]
    split = split_data(make_data(rows), "leave-last:1")
    assert ids(split, split.test["b"]) == ["i5"]
    assert ids(split, split.test["c"]) == ["i6"]


def test_time_split_keeps_the_first_share_of_each_history() -> None:
    rows = [{"user_id": "a", "item_id": f"i{n}", "seq": n} for n in range(5)]
    split = split_data(make_data(rows), "time:0.8")
    assert ids(split, split.training.histories["a"]) == ["i0", "i1", "i2", "i3"]
    assert ids(split, split.test["a"]) == ["i4"]
    split = split_data(make_data(rows), "time:0.5")
    assert ids(split, split.test["a"]) == ["i2", "i3", "i4"]


def test_no_leakage_and_short_histories_only_train() -> None:
    rows = [
        {"user_id": u, "item_id": f"i{(n * 3 + len(u)) % 10}", "seq": n} for u in ("a", "bb", "ccc") for n in range(6)
    ]
    rows.append({"user_id": "solo", "item_id": "i9", "seq": 0})
    split = split_data(make_data(rows), "time:0.8")
    assert "solo" not in split.test
    assert split.training.histories["solo"] == [9]
    for user, held in split.test.items():
        assert not set(held) & set(split.training.histories[user])
        assert split.training.matrix[split.training.user_row[user]].toarray()[0, held].sum() == 0


def test_a_test_item_already_in_training_is_dropped() -> None:
    rows = [{"user_id": "a", "item_id": item, "seq": n} for n, item in enumerate(["i1", "i2", "i1"])]
    rows += [{"user_id": "b", "item_id": item, "seq": n} for n, item in enumerate(["i1", "i2"])]
    split = split_data(make_data(rows), "leave-last:1")
    assert "a" not in split.test
    assert split.dropped_test_items == 1
    assert split.users == ["b"]


def test_validation_is_carved_from_training_with_the_same_rule() -> None:
    rows = [{"user_id": "a", "item_id": f"i{n}", "seq": n} for n in range(6)]
    rows += [{"user_id": "b", "item_id": f"i{9 - n}", "seq": n} for n in range(3)]
    split = split_data(make_data(rows), "leave-last:1")
    val = validation_split(split)
    assert ids(val, val.test["a"]) == ["i4"]
    assert ids(val, val.training.histories["a"]) == ["i0", "i1", "i2", "i3"]
    assert ids(val, val.test["b"]) == ["i8"]
    for user in val.test:
        seen_in_val = set(val.test[user]) | set(val.training.histories[user])
        assert seen_in_val == set(split.training.histories[user])
        assert not seen_in_val & set(split.test[user])


def test_user_text_is_kept_only_before_the_test_period_and_not_about_test_items() -> None:
    rows = [{"user_id": "a", "item_id": f"i{n}", "rating": 5, "timestamp": 10 * n} for n in range(4)]
    rows += [
        {"user_id": "a", "item_id": "i0", "text": "early tag", "timestamp": 5},
        {"user_id": "a", "item_id": "i3", "text": "tag on the test item", "timestamp": 1},
        {"user_id": "a", "item_id": "i1", "text": "late tag", "timestamp": 99},
    ]
    users = [{"user_id": "a", "stated_interests": "I like pens"}]
    split = split_data(make_data(rows, users), "leave-last:1")
    assert sorted(split.training.user_texts["a"]) == ["I like pens", "early tag"]


def test_low_ratings_are_not_positives_unless_the_policy_keeps_all() -> None:
    rows = [
        {"user_id": "a", "item_id": "i1", "rating": 5, "timestamp": 1},
        {"user_id": "a", "item_id": "i2", "rating": 2, "timestamp": 2},
        {"user_id": "a", "item_id": "i3", "rating": 4, "timestamp": 3},
    ]
    data = make_data(rows)
    assert [x.item_id for x in data.interactions] == ["i1", "i3"]
    assert data.skipped["not_positive"] == 1
    assert len(make_data(rows, policy=PositivePolicy(min_rating=None)).interactions) == 3


def test_unknown_items_are_counted_not_silently_dropped() -> None:
    rows = [{"user_id": "a", "item_id": "nope"}, {"user_id": "a", "item_id": "i1"}]
    assert make_data(rows).skipped["unknown_item"] == 1


@pytest.mark.parametrize("text", ["leave-last:0", "leave-last:1.5", "time:1.2", "random:3", "time"])
def test_bad_split_specs_are_usage_errors(text: str) -> None:
    with pytest.raises(ConfigurationError):
        SplitSpec.parse(text)


def test_a_split_with_nothing_to_hold_out_is_an_evaluation_error() -> None:
    with pytest.raises(EvaluationError, match="enough history"):
        split_data(make_data([{"user_id": "a", "item_id": "i1"}]), "leave-last:1")
