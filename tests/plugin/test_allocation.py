"""Largest-remainder slot allocation and the exploration share."""

import pytest

from weaviate_recsys.plugin.allocation import EXPLORATION, allocate_slots, plan_slots


def test_slots_are_proportional_and_sum_to_k() -> None:
    assert allocate_slots({"a": 0.5, "b": 0.3, "c": 0.2}, 10) == {"a": 5, "b": 3, "c": 2}


def test_largest_remainder_gets_the_leftover_slot() -> None:
    # quotas 4.2 / 3.5 / 2.3 -> floors 4/3/2, one slot left for the largest remainder (b: 0.5)
    assert allocate_slots({"a": 0.42, "b": 0.35, "c": 0.23}, 10) == {"a": 4, "b": 4, "c": 2}


def test_remainder_ties_go_to_the_larger_weight_then_the_earlier_key() -> None:
    assert allocate_slots({"a": 1.0, "b": 1.0, "c": 1.0}, 2) == {"a": 1, "b": 1, "c": 0}
    assert allocate_slots({"small": 1.0, "big": 3.0}, 1) == {"small": 0, "big": 1}


def test_weights_need_not_be_normalised_and_order_is_kept() -> None:
    out = allocate_slots({"x": 6.0, "y": 2.0}, 4)
    assert out == {"x": 3, "y": 1}
    assert list(out) == ["x", "y"]


def test_all_zero_weights_split_evenly_and_negative_weights_get_nothing() -> None:
    assert allocate_slots({"a": 0.0, "b": 0.0}, 4) == {"a": 2, "b": 2}
    assert allocate_slots({"a": 1.0, "b": -1.0}, 3) == {"a": 3, "b": 0}


def test_edge_sizes() -> None:
    assert allocate_slots({}, 5) == {}
    assert allocate_slots({"a": 1.0}, 0) == {"a": 0}
    with pytest.raises(ValueError):
        allocate_slots({"a": 1.0}, -1)
    with pytest.raises(ValueError):
        allocate_slots({"a": float("nan")}, 3)


def test_exploration_takes_its_share_of_k() -> None:
    out = plan_slots({"a": 0.6, "b": 0.4}, 10, exploration=0.2)
    assert out == {"a": 5, "b": 3, EXPLORATION: 2}
    assert sum(out.values()) == 10


def test_no_exploration_means_no_exploration_key() -> None:
    assert EXPLORATION not in plan_slots({"a": 1.0}, 10)


def test_without_domains_everything_is_exploration() -> None:
    assert plan_slots({}, 7, exploration=0.1) == {EXPLORATION: 7}


def test_exploration_out_of_range_is_rejected() -> None:
    with pytest.raises(ValueError):
        plan_slots({"a": 1.0}, 10, exploration=1.5)


def test_min_slots_give_every_domain_a_slot_before_the_weights_share_the_rest() -> None:
    weights = {"Paper": 0.8, "Ink": 0.1, "Desk": 0.06, "Tech": 0.04}
    assert plan_slots(weights, 5) == {"Paper": 4, "Ink": 1, "Desk": 0, "Tech": 0}
    assert plan_slots(weights, 5, min_slots=1) == {"Paper": 2, "Ink": 1, "Desk": 1, "Tech": 1}
    # Fewer slots than domains: the heaviest domains get theirs first.
    assert plan_slots(weights, 3, min_slots=1) == {"Paper": 1, "Ink": 1, "Desk": 1, "Tech": 0}
    # A domain with no weight gets no floor; exploration shares only what the floors leave.
    assert plan_slots({"Paper": 1.0, "Ink": 0.0}, 4, min_slots=1) == {"Paper": 4, "Ink": 0}
    assert plan_slots({"Paper": 0.8, "Ink": 0.2}, 5, 0.2, min_slots=1) == {"Paper": 3, "Ink": 1, EXPLORATION: 1}
    assert sum(plan_slots(weights, 7, 0.3, min_slots=2).values()) == 7
    with pytest.raises(ValueError, match="min_slots"):
        plan_slots(weights, 5, min_slots=-1)
