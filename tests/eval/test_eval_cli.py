"""`weaviate-recsys eval` through click's CliRunner (a hashing embedder: this is about the CLI)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from weaviate_recsys.cli import main
from weaviate_recsys.eval import vectors
from weaviate_recsys.loaders import HashingEmbedder


@pytest.fixture(autouse=True)
def hashing_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectors, "default_embedder", lambda settings=None: HashingEmbedder(dim=16))


@pytest.fixture()
def files(tmp_path):
    items = tmp_path / "movies.csv"
    items.write_text("movieId,title,genres\n" + "".join(f"{n},Movie {n},Drama|Comedy\n" for n in range(12)))
    ratings = tmp_path / "ratings.csv"
    lines = ["userId,movieId,rating,timestamp"]
    for u in range(6):
        for s in range(5):
            lines.append(f"{u},{(u + s * 2) % 12},{5.0 if s != 1 else 2.0},{1000 + s}")
    ratings.write_text("\n".join(lines) + "\n")
    tags = tmp_path / "tags.csv"
    tags.write_text("userId,movieId,tag,timestamp\n0,1,funny,999\n")
    return items, ratings, tags


def test_eval_writes_the_report_and_prints_the_contract(files, tmp_path) -> None:
    items, ratings, tags = files
    out = tmp_path / "report"
    result = CliRunner().invoke(
        main,
        [
            "eval",
            "--items",
            str(items),
            "--interactions",
            str(ratings),
            str(tags),
            "-k",
            "3",
            "5",
            "--methods",
            "most-popular",
            "item-knn",
            "--report",
            str(out),
            "--format",
            "json",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    contract = json.loads(result.stdout)
    assert contract["k"] == [3, 5] and contract["split"] == "leave-last:1"
    assert list(contract["methods"]) == ["most-popular", "item-knn"]
    assert json.loads((out / "report.json").read_text()) == contract
    assert (out / "report.md").exists() and (out / "metrics.png").exists()


def test_eval_text_output_is_a_markdown_table(files) -> None:
    items, ratings, _ = files
    result = CliRunner().invoke(
        main,
        [
            "eval",
            "--items",
            str(items),
            "--interactions",
            str(ratings),
            "-k",
            "5",
            "--methods",
            "most-popular",
            "--split",
            "time:0.6",
            "--min-rating",
            "-1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "(time:0.6): 6 users" in result.output
    assert "| most-popular |" in result.output


def test_unknown_method_is_a_usage_error_that_lists_the_choices(files) -> None:
    items, ratings, _ = files
    result = CliRunner().invoke(
        main, ["eval", "--items", str(items), "--interactions", str(ratings), "--methods", "most-popular", "magic"]
    )
    assert result.exit_code == 2
    assert "Unknown method 'magic'; choose from: most-popular, item-knn" in result.output


def test_a_method_that_is_not_available_says_why(files, monkeypatch) -> None:
    from weaviate_recsys.eval import registry

    items, ratings, _ = files
    spec = registry.MethodSpec(
        "needs-a-gpu", lambda ctx: None, "a method this machine cannot run", unavailable=lambda: "no accelerator here"
    )
    monkeypatch.setitem(registry.METHODS, spec.name, spec)
    result = CliRunner().invoke(
        main, ["eval", "--items", str(items), "--interactions", str(ratings), "--methods", "needs-a-gpu"]
    )
    assert result.exit_code == 2
    assert "cannot run" in result.output and "no accelerator here" in result.output


def test_bad_split_is_a_usage_error(files) -> None:
    items, ratings, _ = files
    result = CliRunner().invoke(
        main, ["eval", "--items", str(items), "--interactions", str(ratings), "--split", "time:2"]
    )
    assert result.exit_code == 2
    assert "time needs a training share" in result.output


def test_list_methods_needs_no_files() -> None:
    result = CliRunner().invoke(main, ["eval", "--list-methods"])
    assert result.exit_code == 0
    assert "item-knn" in result.output and "available" in result.output


def test_missing_files_are_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["eval", "-k", "10"])
    assert result.exit_code == 2
    assert "needs --items FILE" in result.output
