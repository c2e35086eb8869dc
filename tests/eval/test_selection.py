import pytest

from weaviate_recsys.eval.selection import leave_one_out, select_across

# A value that is best on one data set but poor on the other loses to one that is good on both.
SCORES = {
    "0.7": {"amazon": 0.060, "movielens": 0.040},
    "0.9": {"amazon": 0.066, "movielens": 0.030},
    "0.5": {"amazon": 0.058, "movielens": 0.041},
}


def test_the_choice_is_good_on_every_data_set_not_best_on_one():
    selection = select_across(SCORES)
    assert selection.best_per_dataset == {"amazon": "0.9", "movielens": "0.5"}
    assert selection.chosen == "0.7"
    assert selection.chosen_worst_relative == pytest.approx(0.060 / 0.066)


def test_relative_scores_divide_by_the_best_on_each_data_set():
    relative = select_across(SCORES).relative
    assert relative["0.9"]["amazon"] == 1.0
    assert relative["0.9"]["movielens"] == pytest.approx(0.030 / 0.041)


def test_leave_one_out_reports_the_value_tuned_on_the_other_data_set():
    checks = {(c.tuned_on, c.reported_on): c for c in leave_one_out(SCORES)}
    assert checks[("amazon", "movielens")].value == "0.9"
    assert checks[("amazon", "movielens")].relative == pytest.approx(0.030 / 0.041)
    assert checks[("movielens", "amazon")].value == "0.5"
    assert checks[("movielens", "amazon")].relative == pytest.approx(0.058 / 0.066)


def test_ties_go_to_the_value_listed_first():
    tied = {"default": {"a": 0.05, "b": 0.05}, "other": {"a": 0.05, "b": 0.05}}
    assert select_across(tied).chosen == "default"


def test_a_default_within_the_tolerance_of_the_best_stays():
    # Worst ratios 0.989 (default), 0.980 and 0.991: the best leads the default by 0.2%.
    near = {
        "default": {"a": 0.0650, "b": 0.0540},
        "less": {"a": 0.0644, "b": 0.0545},
        "more": {"a": 0.0657, "b": 0.0540},
    }
    assert select_across(near).chosen == "more"
    assert select_across(near, tolerance=0.01).chosen == "default"
    assert select_across(near, tolerance=0.01).chosen_worst_relative == pytest.approx(0.0650 / 0.0657)


def test_a_value_beyond_the_tolerance_replaces_the_default():
    clear = {"default": {"a": 0.0504}, "short": {"a": 0.0540}, "shorter": {"a": 0.0544}}
    assert select_across(clear, tolerance=0.01).chosen == "short"  # 0.0540 is within 1% of 0.0544: listed first
    assert select_across(clear, tolerance=0.005).chosen == "shorter"


def test_every_value_must_be_scored_on_the_same_data_sets():
    with pytest.raises(ValueError, match="same data sets"):
        select_across({"x": {"a": 0.1}, "y": {"b": 0.1}})
