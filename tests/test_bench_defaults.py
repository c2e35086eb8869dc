"""The choosing of defaults across data sets (``benchmarks/bench_defaults.py``): which runs it makes, which it
reuses, and the table it writes. The runs themselves are benchmarks, not tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from weaviate_recsys.eval.data import EvalItem
from weaviate_recsys.eval.selection import select_across
from weaviate_recsys.settings import DEFAULT_ALPHA, Settings

_spec = importlib.util.spec_from_file_location(
    "bench_defaults", Path(__file__).resolve().parents[1] / "benchmarks" / "bench_defaults.py"
)
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_the_default_is_read_from_settings_and_tried_first():
    assert bench.values_for("alpha", ["0.5", "0.85"]) == [str(DEFAULT_ALPHA), "0.5", "0.85"]


def test_a_value_equal_to_the_default_is_not_run_twice():
    default = Settings().behavior_weight
    assert bench.values_for("behavior_weight", [f"{default:.3f}", "0.123"]) == [str(default), "0.123"]


def test_a_value_settings_rejects_is_an_error_naming_setting_and_value():
    with pytest.raises(SystemExit, match="alpha 1.5"):
        bench.values_for("alpha", ["1.5"])


def test_an_unknown_setting_is_an_error():
    with pytest.raises(SystemExit, match="no such settings field"):
        bench.values_for("alpah", ["0.5"])


def test_only_the_default_given_is_an_error():
    with pytest.raises(SystemExit, match="every value given is the default"):
        bench.values_for("alpha", [str(DEFAULT_ALPHA)])


def test_a_dict_setting_is_written_as_json_as_its_environment_variable_is():
    assert bench.parse("boosts", bench.default_value("boosts")) == Settings().boosts
    assert bench.values_for("boosts", ['{"title": 1.0}']) == [bench.default_value("boosts"), '{"title": 1.0}']


def test_a_run_is_keyed_by_its_whole_override_and_the_defaults_run_by_none():
    assert bench.run_key({}) == "default"
    assert bench.run_key({"behavior_weight": "0.6", "alpha": "0.5"}) == "alpha=0.5&behavior_weight=0.6"


def _stored(defaults, methods=("multi-granularity",)):
    run = {"seconds": 1.0, "report": {"methods": {m: {"overall": {"ndcg@10": 0.05}} for m in methods}}}
    return {"defaults": defaults, "overrides": {}, "output": {"amazon-office": run}}


def test_a_stored_run_is_reused_while_the_defaults_it_was_made_with_hold():
    now = bench.defaults()
    run = bench.stored_run(_stored(now), "amazon-office", "multi-granularity", now)
    assert run is not None and run["report"]["methods"]["multi-granularity"]["overall"]["ndcg@10"] == 0.05


def test_a_stored_run_made_with_another_default_is_run_again():
    now = bench.defaults()
    before = dict(now, alpha="0.123")
    assert bench.stored_run(_stored(before), "amazon-office", "multi-granularity", now) is None


def test_a_stored_run_without_the_method_or_the_data_set_is_run_again():
    now = bench.defaults()
    assert bench.stored_run(_stored(now, methods=("ease",)), "amazon-office", "multi-granularity", now) is None
    assert bench.stored_run(_stored(now), "movielens-small", "multi-granularity", now) is None


def test_domain_rules_give_category_paths_the_same_domains_and_flat_labels_their_own():
    paths = [EvalItem("a", categories=("Office", "Paper")), EvalItem("b", categories=("Office", "Pens", "Blue"))]
    assert bench.same_domains_as_default("domain_rule", "first", paths, 2)
    assert bench.same_domains_as_default("domain_rule", "rarest", paths, 2)
    genres = [
        EvalItem("m1", categories=("Drama", "War"), labels_are_path=False),
        EvalItem("m2", categories=("Drama",), labels_are_path=False),
        EvalItem("m3", categories=("Comedy", "Drama"), labels_are_path=False),
    ]
    # commonest picks Drama for all three; rarest picks War and Comedy where an item has them
    assert not bench.same_domains_as_default("domain_rule", "rarest", genres, 1)


def test_other_settings_never_share_the_defaults_run():
    paths = [EvalItem("a", categories=("Office", "Paper"))]
    assert not bench.same_domains_as_default("alpha", "0.5", paths, 1)


def _row(ndcg, hr=0.1, subtopic=0.5, shared=False):
    out = {"ndcg@10": ndcg, "hr@10": hr, "subtopic-recall@10": subtopic}
    return out | ({"same_item_domains_as_default": True} if shared else {})


def test_the_table_marks_the_choice_and_lists_the_leave_one_out_rows():
    table = {
        "0.7": {"amazon": _row(0.060), "movielens": _row(0.050)},
        "0.5": {"amazon": _row(0.066), "movielens": _row(0.040)},
    }
    selection = select_across({v: {d: r["ndcg@10"] for d, r in per.items()} for v, per in table.items()})
    text = bench.markdown("alpha", table, selection, "ndcg@10")
    lines = text.splitlines()
    assert lines[0].startswith("| alpha | amazon NDCG@10 (vs best) | HR@10 | subtopic-recall@10 | movielens")
    assert lines[1].count("|") == lines[0].count("|")
    assert "| **0.7** | 0.0600 (0.909) | 0.1000 | 0.5000 | 0.0500 (1.000) |" in text
    assert "- tuned on amazon alone: alpha=0.5, 0.800 of the best on movielens" in text
    assert "share the default's run" not in text


def test_the_table_says_when_every_value_shares_the_defaults_run_on_a_data_set():
    table = {
        "commonest": {"amazon": _row(0.06), "movielens": _row(0.05)},
        "first": {"amazon": _row(0.06, shared=True), "movielens": _row(0.04)},
    }
    selection = select_across({v: {d: r["ndcg@10"] for d, r in per.items()} for v, per in table.items()})
    text = bench.markdown("domain_rule", table, selection, "ndcg@10")
    assert "- amazon: every value gives every item the same domain" in text
    assert "- movielens: every value" not in text
