"""`weaviate-recsys eval` on a plain install (no matplotlib) and without paying for embeddings it does not use."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from weaviate_recsys.cli import main
from weaviate_recsys.eval import vectors
from weaviate_recsys.loaders import HashingEmbedder


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    items = tmp_path / "movies.csv"
    items.write_text("movieId,title,genres\n" + "".join(f"{n},Movie {n},Drama|Comedy\n" for n in range(12)))
    ratings = tmp_path / "ratings.csv"
    lines = ["userId,movieId,rating,timestamp"]
    for u in range(6):
        for s in range(5):
            lines.append(f"{u},{(u + s * 2) % 12},5.0,{1000 + s}")
    ratings.write_text("\n".join(lines) + "\n")
    return items, ratings


@pytest.fixture()
def embedder_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the catalog embeddings the evaluation asks for."""
    calls: list[int] = []

    def counting(settings: object = None) -> HashingEmbedder:
        calls.append(1)
        return HashingEmbedder(dim=16)

    monkeypatch.setattr(vectors, "default_embedder", counting)
    return calls


def _eval(items: Path, ratings: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["eval", "--items", str(items), "--interactions", str(ratings), "-k", "3", "--quiet", *args]
    )


def test_report_without_matplotlib_writes_the_numbers_skips_the_plots_and_exits_0(
    files: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    embedder_calls: list[int],
) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    out = tmp_path / "report"
    result = _eval(*files, "--methods", "most-popular", "--report", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    contract = json.loads(result.stdout)
    assert json.loads((out / "report.json").read_text()) == contract
    assert "Plots skipped: matplotlib is not installed" in result.stderr
    assert "Plots skipped" in (out / "report.md").read_text()
    assert not list(out.glob("*.png"))


@pytest.mark.parametrize("methods", [["most-popular", "item-knn", "ease"], ["item-knn"]])
def test_methods_without_vectors_embed_nothing(
    files: tuple[Path, Path], embedder_calls: list[int], methods: list[str]
) -> None:
    result = _eval(*files, "--methods", *methods)
    assert result.exit_code == 0, result.output
    assert embedder_calls == []
    assert "diversity@k is not reported" in result.stderr


def test_a_vector_method_embeds_the_catalog_once(files: tuple[Path, Path], embedder_calls: list[int]) -> None:
    result = _eval(*files, "--methods", "most-popular", "content-vector", "--format", "json")
    assert result.exit_code == 0, result.output
    assert embedder_calls == [1]
    assert json.loads(result.stdout)["methods"]["most-popular"]["overall"]["diversity@3"] is not None
