"""`weaviate-recsys recommend / similar / audience` through click's CliRunner, on a persisted lite server."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from weaviate_recsys import lite
from weaviate_recsys.cli import main
from weaviate_recsys.loaders import HashingEmbedder

from _recommend_fixtures import build_all

PREFIX = "RecC"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("lite")
    client = lite.connect(data_dir=d)
    try:
        build_all(client, tmp_path_factory.mktemp("files"), PREFIX, HashingEmbedder(dim=64))
    finally:
        client.close()
    return d


def _run(data_dir: Path, *args: str) -> CliRunner.invoke:  # type: ignore[valid-type]
    return CliRunner().invoke(main, [*args, "--data-dir", str(data_dir), "--prefix", PREFIX, "-q"])


def test_recommend_table_is_readable(data_dir: Path) -> None:
    res = _run(data_dir, "recommend", "pen-fan", "-k", "3")
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert lines[0].split() == ["#", "item", "title", "domain", "score", "why"]
    assert len(lines) == 4
    # The top item serves the user's recent interests (the overall query), the rest their top domains.
    assert "your recent interests; in Writing" in lines[1]
    # The domain weights are the long-term ones: the older Paper events still count.
    assert any("your interest in Writing (70%)" in line for line in lines[2:])


def test_recommend_explain_adds_the_score_parts(data_dir: Path) -> None:
    res = _run(data_dir, "recommend", "pen-fan", "-k", "2", "--explain")
    assert res.exit_code == 0, res.output
    # The parts are on the list's scale: the shown parts add up to the shown score.
    for line in res.output.strip().splitlines()[1:]:
        score = float(re.search(r"  (\d+\.\d{3})  ", line).group(1))  # type: ignore[union-attr]
        parts = line.rsplit("[", 1)[1].rstrip("]")
        shown, total = parts.split(" = ")
        assert float(total) == score
        assert round(sum(float(p.split()[1]) for p in shown.split(" + ")), 3) == score


def test_recommend_json_with_options(data_dir: Path) -> None:
    res = _run(
        data_dir,
        "recommend",
        "pen-fan",
        "-k",
        "3",
        "--format",
        "json",
        "--domain",
        "Desk",
        "--alpha",
        "0.5",
        "--diversity",
        "0.2",
        "--exclude",
        "d1",
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert len(data) == 2 and {r["domain"] for r in data} == {"Desk"}
    assert "d1" not in {r["item_id"] for r in data}
    assert set(data[0]) == {"item_id", "title", "score", "domain", "reasons"}
    assert data[0]["reasons"]["parts"]["vector"] is not None


def test_recommend_plan_prints_the_queries(data_dir: Path) -> None:
    res = _run(data_dir, "recommend", "pen-fan", "-k", "3", "--plan")
    assert res.exit_code == 0, res.output
    plan = json.loads(res.output)
    assert plan["queries"][0]["kind"] == "hybrid" and plan["queries"][0]["domain"] == "Writing"


def test_unknown_user_says_what_to_do(data_dir: Path) -> None:
    res = _run(data_dir, "recommend", "ghost")
    assert res.exit_code == 1
    assert "Unknown user 'ghost'" in res.output and "--cold-start" in res.output
    res = _run(data_dir, "recommend", "ghost", "--cold-start", "-k", "2", "--format", "json")
    assert res.exit_code == 0, res.output
    assert [r["reasons"]["source"] for r in json.loads(res.output)] == ["popular", "popular"]


def test_bad_option_values_are_usage_errors(data_dir: Path) -> None:
    res = _run(data_dir, "recommend", "pen-fan", "--alpha", "2")
    assert res.exit_code == 2


def test_similar_and_audience(data_dir: Path) -> None:
    res = _run(data_dir, "similar", "w1", "-k", "2", "--format", "json")
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.output)) == 2 and "w1" not in res.output.split('"item_id"')[0]
    res = _run(data_dir, "audience", "w4")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0].split() == ["#", "user", "domain", "weight", "similarity", "score"]
    assert "pen-fan" in res.output
    res = _run(data_dir, "similar", "nope")
    assert res.exit_code == 1 and "No item with id 'nope'" in res.output
